package sqlstore

import (
	"encoding/json"
	"fmt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// settingParameter is a notification setting's parameter as stored.
type settingParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// EncodeSettingParameters is a notification setting's parameters as
// stored: a JSON array of {"name","value"}, never null.
func EncodeSettingParameters(params []backend.SettingParameter) (string, error) {
	out := make([]settingParameter, len(params))
	for i, p := range params {
		out[i] = settingParameter(p)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode setting parameters: %w", err)
	}
	return string(b), nil
}

// DecodeSettingParameters reads what EncodeSettingParameters stored; never
// nil.
func DecodeSettingParameters(stored string) ([]backend.SettingParameter, error) {
	var in []settingParameter
	if err := json.Unmarshal([]byte(stored), &in); err != nil {
		return nil, fmt.Errorf("stored setting parameters: %w", err)
	}
	out := make([]backend.SettingParameter, len(in))
	for i, p := range in {
		out[i] = backend.SettingParameter(p)
	}
	return out, nil
}
