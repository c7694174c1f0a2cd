package client

import "iter"

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
