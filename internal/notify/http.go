package notify

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// maxResponse bounds what is read of a provider's answer.
const maxResponse = 64 << 10

// noteMalformed is Receipt.Note for a success whose body could not be read.
const noteMalformed = "malformed response body"

// do sends req and returns the status and (bounded) body. Transport errors
// are replaced by ones that do not name the URL.
func (r *Router) do(ctx context.Context, channel string, req *http.Request) (int, []byte, error) {
	req = req.WithContext(ctx)
	req.Header.Set("User-Agent", "Faro")
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, netError(channel, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil && resp.StatusCode/100 != 2 {
		return resp.StatusCode, nil, netError(channel, err)
	}
	return resp.StatusCode, bytes.TrimSpace(body), nil
}
