// Package sqlstore is what the SQL stores (sqlite, postgres) share beyond
// their SQL text: the plan of a usage report and the blocks of days that
// rollups are summed over again (usage_blocks.go), the order of a list of
// managed accounts, the check of a page, how tags and audit changes are kept
// as JSON text, how nested transactions name their savepoints. Each store keeps its statements, its placeholders
// and how it reads its column types; what would otherwise be written twice,
// and could drift apart, is written here once.
package sqlstore

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync/atomic"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Qualified is a list of columns ("id, name,\n\tstatus") with each column
// named by the table alias given ("k.id, k.name, k.status"), for the SELECT
// of a join.
func Qualified(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// CheckPage refuses pages whose offset cannot be computed; the domain has
// already refused them, so this only guards against a caller's bug.
func CheckPage(p backend.Page) error {
	if p.Number < 1 || p.Size < 1 || p.Number-1 > math.MaxInt/p.Size {
		return fmt.Errorf("invalid page %+v", p)
	}
	return nil
}

// ManagedAccountOrder is the ORDER BY of a list of managed accounts. The id
// breaks ties in the direction of the sort, so that a descending list is
// the exact reverse of the ascending one.
func ManagedAccountOrder(s backend.SortOrder) (string, error) {
	var col string
	switch s.Field {
	case "", "created_at":
		col = "created_at"
	case "email":
		// Emails are unique case-insensitively, so sort them that way too.
		col = "lower(email)"
	default:
		return "", fmt.Errorf("unknown sort field %q", s.Field)
	}
	dir := "ASC"
	if s.Descending {
		dir = "DESC"
	}
	return col + " " + dir + ", id " + dir, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// EscapeLike makes the LIKE wildcards % and _ (and the escape character \
// itself) in user input match literally, in a LIKE … ESCAPE '\'.
func EscapeLike(s string) string { return likeEscaper.Replace(s) }

// IssuedBy is the issuer an API key is stored with: an unset one is the
// account owner.
func IssuedBy(s string) string {
	if s == "" {
		return backend.ChangeByAccountOwner
	}
	return s
}

// EncodeTags is an API key's tags as stored: a JSON array, never null.
func EncodeTags(tags []string) (string, error) {
	if tags == nil {
		tags = []string{}
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return "", fmt.Errorf("encode tags: %w", err)
	}
	return string(b), nil
}

// DecodeTags reads tags stored by EncodeTags; never nil.
func DecodeTags(stored string) ([]string, error) {
	tags := []string{}
	if err := json.Unmarshal([]byte(stored), &tags); err != nil {
		return nil, fmt.Errorf("stored tags: %w", err)
	}
	return tags, nil
}

// EncodeAuditChanges is an audit event's changes as stored: a JSON object,
// never null.
func EncodeAuditChanges(changes map[string]any) (string, error) {
	if changes == nil {
		changes = map[string]any{}
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return "", fmt.Errorf("encode audit changes: %w", err)
	}
	return string(b), nil
}

// DecodeAuditChanges reads changes stored by EncodeAuditChanges.
func DecodeAuditChanges(stored string) (map[string]any, error) {
	var changes map[string]any
	if err := json.Unmarshal([]byte(stored), &changes); err != nil {
		return nil, fmt.Errorf("stored changes: %w", err)
	}
	return changes, nil
}

// savepointSeq numbers savepoints, so that nested savepoints never shadow
// one another.
var savepointSeq atomic.Uint64

// SavepointName is a savepoint name no other savepoint of this process has,
// for backend.Tx's Nested.
func SavepointName() string { return fmt.Sprintf("nested_%d", savepointSeq.Add(1)) }

// NestedRollbackFailed is the error of a Nested whose fn failed with err and
// whose savepoint could not be rolled back (rbErr): the transaction is left
// in doubt, which backend.ErrNestedRollback says.
func NestedRollbackFailed(rbErr, err error) error {
	return fmt.Errorf("%w: %w (after: %s)", backend.ErrNestedRollback, rbErr, err.Error())
}
