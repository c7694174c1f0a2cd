package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// MaxPageSize is the largest page[size] of every list but the usage
// report's (MaxUsageReportPageSize): the fewest calls to read a whole list.
const MaxPageSize = 250

// PageMeta is the contract's PaginationMeta.
type PageMeta struct {
	PageNumber   int `json:"page_number"`
	PageSize     int `json:"page_size"`
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
}

// paginate yields every item of every page from first (default 1) to the last
// page the API reports, fetching each page only when the previous one is used up.
func paginate[T any](first int, fetch func(page int) ([]T, PageMeta, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		page := max(first, 1)
		for {
			items, meta, err := fetch(page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || page >= meta.TotalPages {
				return
			}
			page++
		}
	}
}

// list returns one page of a list: its items and the API's paging meta.
func list[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, PageMeta, error) {
	var env listEnvelope[T]
	if err := c.do(ctx, request{method: http.MethodGet, path: path, query: query}, &env); err != nil {
		return nil, PageMeta{}, err
	}
	return env.Data, env.Meta, nil
}

// pageValues is the page[number] and page[size] query of a list, each only
// when set.
func pageValues(number, size int) url.Values {
	v := url.Values{}
	if number > 0 {
		v.Set("page[number]", strconv.Itoa(number))
	}
	if size > 0 {
		v.Set("page[size]", strconv.Itoa(size))
	}
	return v
}
