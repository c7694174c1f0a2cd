package backend

// Page is a 1-based page request.
type Page struct {
	Number int
	Size   int
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// PageMeta describes a returned page.
type PageMeta struct {
	PageNumber   int
	PageSize     int
	TotalPages   int
	TotalResults int
}

// NewPageMeta computes the meta of page p out of total results.
func NewPageMeta(p Page, total int) PageMeta {
	return PageMeta{PageNumber: p.Number, PageSize: p.Size, TotalResults: total, TotalPages: (total + p.Size - 1) / p.Size}
}
