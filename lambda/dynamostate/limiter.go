// Package dynamostate keeps the alert state that every Lambda instance must
// share in the alert state table (ALERTS_STATE_TABLE: hash key pk, range
// key sk, TTL attribute expires_at): thresholds and dedup periods, so that a
// rule seen by many instances (one per Kinesis shard, more with a
// parallelization factor) alerts once, not once per instance.
package dynamostate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/streamalert-go/streamalert/engine"
)

// API is the part of the DynamoDB client the state uses.
type API interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Limiter is engine.Limiter over the table: one item per threshold/dedup
// group (pk "limit#" + a hash of the rule and dedup key values, sk
// "window") holding the group's count and the end of its period. Counts are
// atomic (ADD) and a period's end is set once (if_not_exists), a new period
// is started by one conditional write, so concurrent instances agree:
// exactly one sees the threshold-th match of a period. Items expire (TTL)
// an hour after their period. Safe for concurrent use.
type Limiter struct {
	Client API
	Table  string
}

// Attribute names of a limiter item.
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrCount   = "n"
	attrEnd     = "window_end_ms"
	attrExpires = "expires_at"
)

// maxAttempts bounds the retries when periods roll over under contention.
const maxAttempts = 5

// hashedKey is the key of a group's item: pk kind + "#" + a hash of the
// group (rule and key values of any length), sk the item's role.
func hashedKey(kind, group, sk string) map[string]ddbtypes.AttributeValue {
	sum := sha256.Sum256([]byte(group))
	return map[string]ddbtypes.AttributeValue{
		attrPK: &ddbtypes.AttributeValueMemberS{Value: kind + "#" + hex.EncodeToString(sum[:16])},
		attrSK: &ddbtypes.AttributeValueMemberS{Value: sk},
	}
}

func itemKey(group string) map[string]ddbtypes.AttributeValue {
	return hashedKey("limit", group, "window")
}

func num(n int64) *ddbtypes.AttributeValueMemberN {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

var names = map[string]string{"#pk": attrPK, "#n": attrCount, "#end": attrEnd, "#exp": attrExpires}

func isConditionFailed(err error) bool {
	var ccf *ddbtypes.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// Limit implements engine.Limiter.
func (l *Limiter) Limit(ctx context.Context, a engine.Alert, now time.Time) (bool, error) {
	group, period, ok := engine.DedupGroup(a)
	if !ok {
		return true, nil
	}
	threshold := int64(max(a.Threshold, 1))
	end := now.Add(period)
	for range maxAttempts {
		out, err := l.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                aws.String(l.Table),
			Key:                      itemKey(group),
			UpdateExpression:         aws.String("SET #end = if_not_exists(#end, :end), #exp = if_not_exists(#exp, :exp) ADD #n :one"),
			ConditionExpression:      aws.String("attribute_not_exists(#pk) OR #end > :now"),
			ExpressionAttributeNames: names,
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
				":end": num(end.UnixMilli()), ":exp": num(end.Add(time.Hour).Unix()), ":one": num(1), ":now": num(now.UnixMilli()),
			},
			ReturnValues: ddbtypes.ReturnValueUpdatedNew,
		})
		if err == nil {
			nv, ok := out.Attributes[attrCount].(*ddbtypes.AttributeValueMemberN)
			if !ok {
				return false, fmt.Errorf("alert state %s: no count returned", l.Table)
			}
			n, err := strconv.ParseInt(nv.Value, 10, 64)
			if err != nil {
				return false, fmt.Errorf("alert state %s: count %q: %w", l.Table, nv.Value, err)
			}
			return n == threshold, nil
		}
		if !isConditionFailed(err) {
			return false, fmt.Errorf("alert state %s: %w", l.Table, err)
		}
		// The period ended: start the next one (one writer wins), then count.
		item := itemKey(group)
		item[attrCount] = num(0)
		item[attrEnd] = num(end.UnixMilli())
		item[attrExpires] = num(end.Add(time.Hour).Unix())
		_, err = l.Client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 aws.String(l.Table),
			Item:                      item,
			ConditionExpression:       aws.String("#end <= :now"),
			ExpressionAttributeNames:  map[string]string{"#end": attrEnd},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":now": num(now.UnixMilli())},
		})
		if err != nil && !isConditionFailed(err) {
			return false, fmt.Errorf("alert state %s: %w", l.Table, err)
		}
	}
	return false, fmt.Errorf("alert state %s: group kept rolling over after %d attempts", l.Table, maxAttempts)
}

// Undo implements engine.Limiter: one count is taken back if the period
// that holds now is still open.
func (l *Limiter) Undo(ctx context.Context, a engine.Alert, now time.Time) error {
	group, _, ok := engine.DedupGroup(a)
	if !ok {
		return nil
	}
	_, err := l.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(l.Table),
		Key:                      itemKey(group),
		UpdateExpression:         aws.String("ADD #n :minus"),
		ConditionExpression:      aws.String("#end > :now AND #n > :zero"),
		ExpressionAttributeNames: map[string]string{"#n": attrCount, "#end": attrEnd},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":minus": num(-1), ":now": num(now.UnixMilli()), ":zero": num(0),
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("alert state %s: %w", l.Table, err)
	}
	return nil
}
