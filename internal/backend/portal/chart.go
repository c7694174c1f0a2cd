package portal

import (
	"math"
	"strconv"
	"time"
)

// Usage charts are SVG drawn on the server: no script, no image request, and
// the same figures as the table beside them. Coordinates are floats, which is
// fine for geometry; the figures in labels come from the exact integers.

// chartLayout is a chart's geometry, in SVG user units (the chart scales
// to its container, text with it): a wide one for laptops, a narrow one,
// with larger text for its size, for phones.
type chartLayout struct {
	Name                     string // "wide" or "narrow", the figure's class
	Width, Height            int
	Left, Right, Top, Bottom float64 // the margins around the plot, for axis labels
}

var (
	wideChart   = chartLayout{Name: "wide", Width: 960, Height: 220, Left: 52, Right: 16, Top: 10, Bottom: 26}
	narrowChart = chartLayout{Name: "narrow", Width: 360, Height: 230, Left: 40, Right: 18, Top: 10, Bottom: 26}
)

// chartBarFill is the share of a day's slot its bar takes.
const chartBarFill = 0.7

// barChart is what the chart template draws.
type barChart struct {
	// ID prefixes the ids of the chart's title and description.
	ID, Title, Description string
	Layout                 string
	Width, Height          int
	Bars                   []chartBar
	YTicks, XTicks         []chartTick
	// Plot is the plot area's edges.
	PlotLeft, PlotRight, PlotTop, PlotBottom string
}

// chartBar is one day's bar; Label is its tooltip ("14 Mar: 1,234 messages").
type chartBar struct {
	X, Y, Width, Height string
	Label               string
}

// chartTick is an axis label at a position (Y for the y axis, X for the x axis).
type chartTick struct {
	Pos, Label string
}

// chartPoint is one day of a series.
type chartPoint struct {
	Day time.Time
	// Value places the bar; Label is the figure the tooltip shows.
	Value float64
	Label string
}

func svgNumber(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// newBarChart lays out one bar per point in layout l, with a y axis of
// round steps from zero (whole steps when the values are whole) and a label
// a week on the x axis.
func newBarChart(l chartLayout, id, title, description string, points []chartPoint, whole bool) *barChart {
	c := &barChart{
		ID: id + "-" + l.Name, Title: title, Description: description, Layout: l.Name, Width: l.Width, Height: l.Height,
		PlotLeft: svgNumber(l.Left), PlotRight: svgNumber(float64(l.Width) - l.Right),
		PlotTop: svgNumber(l.Top), PlotBottom: svgNumber(float64(l.Height) - l.Bottom),
	}
	highest := 0.0
	for _, p := range points {
		highest = math.Max(highest, p.Value)
	}
	step, top := niceScale(highest, whole)
	plotWidth := float64(l.Width) - l.Left - l.Right
	plotHeight := float64(l.Height) - l.Top - l.Bottom
	bottom := float64(l.Height) - l.Bottom
	for i := 0; float64(i)*step <= top+step/2; i++ {
		v := float64(i) * step
		c.YTicks = append(c.YTicks, chartTick{Pos: svgNumber(bottom - v/top*plotHeight), Label: formatAxis(v)})
	}
	if len(points) == 0 {
		return c
	}
	slot := plotWidth / float64(len(points))
	for i, p := range points {
		h := p.Value / top * plotHeight
		if p.Value > 0 && h < 1 {
			h = 1 // a day with usage always shows
		}
		x := l.Left + float64(i)*slot + slot*(1-chartBarFill)/2
		c.Bars = append(c.Bars, chartBar{
			X: svgNumber(x), Y: svgNumber(bottom - h), Width: svgNumber(slot * chartBarFill), Height: svgNumber(h),
			Label: p.Day.Format("2 Jan") + ": " + p.Label,
		})
		// A label a week, counted back from the last day, which is today.
		if (len(points)-1-i)%7 == 0 {
			c.XTicks = append(c.XTicks, chartTick{Pos: svgNumber(l.Left + (float64(i)+0.5)*slot), Label: p.Day.Format("2 Jan")})
		}
	}
	return c
}

// niceScale picks a step of 1, 2 or 5 times a power of ten that divides the
// axis from zero to at least highest in about four steps: whole steps when
// whole, tenths at the finest otherwise.
func niceScale(highest float64, whole bool) (step, top float64) {
	if highest <= 0 {
		return 1, 4
	}
	raw := highest / 4
	magnitude := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * magnitude
	for _, m := range []float64{1, 2, 5} {
		if m*magnitude >= raw {
			step = m * magnitude
			break
		}
	}
	// Quantities are whole units or tenths: no step finer than that.
	finest := 0.1
	if whole {
		finest = 1
	}
	step = math.Max(step, finest)
	return step, math.Ceil(highest/step-1e-9) * step
}

// formatAxis renders an axis value: whole numbers with separators, else one
// decimal.
func formatAxis(v float64) string {
	if v == math.Trunc(v) {
		return formatCount(int64(v))
	}
	return formatTenths(int64(math.Round(v * 10)))
}
