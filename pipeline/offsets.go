package pipeline

import (
	"context"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// CommittedTotal returns the sum of the group's committed offsets on topic,
// or -1 if they cannot be read. The end-to-end tests use it to check that
// nothing is committed past what was written.
func CommittedTotal(ctx context.Context, cl *kgo.Client, group string, topic Topic) int64 {
	resp, err := kadm.NewClient(cl).FetchOffsets(ctx, group)
	if err != nil {
		return -1
	}
	var total int64
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == string(topic) && o.Err == nil && o.At > 0 {
			total += o.At
		}
	})
	return total
}
