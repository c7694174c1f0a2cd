package backendtest

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Answer is one answer of DoAtOnce.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// DoAtOnce sends requests together, to test a limit under concurrency: each
// on a goroutine of its own, all released at once when all are ready. It
// follows no redirect and keeps no cookies, so that an answer cannot change
// the requests still to go. It returns the answers in the requests' order,
// and fails the test when one could not be sent.
func DoAtOnce(t testing.TB, requests []*http.Request) []Answer {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: len(requests)}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		answers = make([]Answer, len(requests))
		errs    = make([]error, len(requests))
	)
	for i, req := range requests {
		wg.Go(func() {
			<-start
			answers[i], errs[i] = doOne(client, req)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("backendtest: request %d of %d at once, %s %s: %v", i, len(requests), requests[i].Method, requests[i].URL.Path, err)
		}
	}
	return answers
}

func doOne(client *http.Client, req *http.Request) (Answer, error) {
	resp, err := client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, err
}
