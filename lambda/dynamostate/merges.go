package dynamostate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/streamalert-go/streamalert/engine"
)

// MergeAPI is the part of the DynamoDB client Merges uses.
type MergeAPI interface {
	API
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Merges keeps merge groups (merge_by_keys / merge_window) in the table,
// shared by every instance: one item per open group (pk "merge#" + a hash
// of the rule and merge values, sk "group") holding the alert that opened
// it, the count and times of the alerts folded since, and a few of them.
// Of instances racing on a group exactly one opens it (a conditional put)
// and sends its first alert; the others fold (an atomic count). A group's
// summary is built by whoever deletes the item once its window has ended
// (a conditional delete returning the old item): the scheduled flush of
// lambda/alerts (Due), or an instance whose alert arrives after the window.
// Safe for concurrent use.
type Merges struct {
	Client MergeAPI
	Table  string
	// MaxSamples is how many folded alerts a group keeps for ValueDiffs
	// (default engine.DefaultMaxValueDiffs); a sample larger than 16 KiB
	// is counted but not kept, to stay inside DynamoDB's item size.
	MaxSamples int
}

// Attribute names of a merge group item.
const (
	attrDue     = "due_ms"
	attrFirst   = "first"
	attrFirstID = "first_id"
	attrFolded  = "folded"
	attrTFirst  = "tfirst_ms"
	attrTLast   = "tlast_ms"
	attrSamples = "samples"
)

const maxSampleSize = 16 << 10

func mergeKey(group string) map[string]ddbtypes.AttributeValue {
	return hashedKey("merge", group, "group")
}

var mergeNames = map[string]string{"#pk": attrPK, "#due": attrDue, "#folded": attrFolded, "#tfirst": attrTFirst, "#tlast": attrTLast}

// Add takes an alert of a merging rule at time now and returns the alerts
// to send now: a itself when it opened its group (the first alert), plus
// the summary of the group's previous window when a closed it; nothing when
// a was folded. opened tells Undo what to take back. An alert that is not
// merged (engine.MergeGroup) is returned as it is.
func (m *Merges) Add(ctx context.Context, a engine.Alert, now time.Time) (send []engine.Alert, opened bool, err error) {
	group, window, ok := engine.MergeGroup(a)
	if !ok {
		return []engine.Alert{a}, false, nil
	}
	key := mergeKey(group)
	nowMS := num(now.UnixMilli())
	for range maxAttempts {
		// Fold into the open group.
		out, err := m.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                aws.String(m.Table),
			Key:                      key,
			UpdateExpression:         aws.String("SET #tlast = :t, #tfirst = if_not_exists(#tfirst, :t) ADD #folded :one"),
			ConditionExpression:      aws.String("attribute_exists(#pk) AND #due > :now"),
			ExpressionAttributeNames: mergeNames,
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
				":t": num(a.Created.UnixMilli()), ":one": num(1), ":now": nowMS,
			},
			ReturnValues: ddbtypes.ReturnValueUpdatedNew,
		})
		if err == nil {
			n := int64(0)
			if v, ok := out.Attributes[attrFolded].(*ddbtypes.AttributeValueMemberN); ok {
				n, _ = strconv.ParseInt(v.Value, 10, 64)
			}
			if n <= int64(m.maxSamples()) {
				if err := m.addSample(ctx, key, a); err != nil {
					return send, false, err
				}
			}
			return send, false, nil
		}
		if !isConditionFailed(err) {
			return send, false, fmt.Errorf("merge state %s: %w", m.Table, err)
		}
		// No open group: close one whose window ended (sending its summary),
		// then open a new one.
		summary, err := m.claim(ctx, key, now)
		if err != nil {
			return send, false, err
		}
		if summary != nil {
			send = append(send, *summary)
		}
		first, err := json.Marshal(a)
		if err != nil {
			return send, false, err
		}
		due := a.Created.Add(window)
		if due.Before(now) {
			due = now.Add(window)
		}
		item := mergeKey(group)
		item[attrDue] = num(due.UnixMilli())
		item[attrFirst] = &ddbtypes.AttributeValueMemberS{Value: string(first)}
		item[attrFirstID] = &ddbtypes.AttributeValueMemberS{Value: a.ID}
		item[attrFolded] = num(0)
		item[attrExpires] = num(due.Add(24 * time.Hour).Unix())
		_, err = m.Client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                aws.String(m.Table),
			Item:                     item,
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		})
		if err == nil {
			return append(send, a), true, nil
		}
		if !isConditionFailed(err) {
			return send, false, fmt.Errorf("merge state %s: %w", m.Table, err)
		}
		// Another instance opened it first: fold into it.
	}
	return send, false, fmt.Errorf("merge state %s: group kept changing after %d attempts", m.Table, maxAttempts)
}

func (m *Merges) maxSamples() int {
	if m.MaxSamples <= 0 {
		return engine.DefaultMaxValueDiffs
	}
	return m.MaxSamples
}

func (m *Merges) addSample(ctx context.Context, key map[string]ddbtypes.AttributeValue, a engine.Alert) error {
	b, err := json.Marshal(a)
	if err != nil || len(b) > maxSampleSize {
		return nil // counted, not kept
	}
	_, err = m.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(m.Table),
		Key:                      key,
		UpdateExpression:         aws.String("SET #s = list_append(if_not_exists(#s, :empty), :one)"),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#s": attrSamples, "#pk": attrPK},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":empty": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{}},
			":one":   &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberS{Value: string(b)}}},
		},
	})
	if err != nil && !isConditionFailed(err) { // a group flushed meanwhile keeps its count
		return fmt.Errorf("merge state %s: %w", m.Table, err)
	}
	return nil
}

// claim deletes the group at key if its window ended by now and returns its
// summary (nil when there was none to claim, or nothing was folded).
func (m *Merges) claim(ctx context.Context, key map[string]ddbtypes.AttributeValue, now time.Time) (*engine.Alert, error) {
	out, err := m.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(m.Table),
		Key:                       key,
		ConditionExpression:       aws.String("attribute_exists(#pk) AND #due <= :now"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#due": attrDue},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":now": num(now.UnixMilli())},
		ReturnValues:              ddbtypes.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("merge state %s: %w", m.Table, err)
	}
	return summaryOf(out.Attributes)
}

func summaryOf(item map[string]ddbtypes.AttributeValue) (*engine.Alert, error) {
	n := func(name string) int64 {
		if v, ok := item[name].(*ddbtypes.AttributeValueMemberN); ok {
			x, _ := strconv.ParseInt(v.Value, 10, 64)
			return x
		}
		return 0
	}
	folded := n(attrFolded)
	if folded <= 0 {
		return nil, nil
	}
	fv, ok := item[attrFirst].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		return nil, errors.New("merge state: group without its first alert")
	}
	var first engine.Alert
	if err := json.Unmarshal([]byte(fv.Value), &first); err != nil {
		return nil, fmt.Errorf("merge state: first alert: %w", err)
	}
	var samples []engine.Alert
	if l, ok := item[attrSamples].(*ddbtypes.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			if s, ok := v.(*ddbtypes.AttributeValueMemberS); ok {
				var a engine.Alert
				if json.Unmarshal([]byte(s.Value), &a) == nil {
					samples = append(samples, a)
				}
			}
		}
	}
	s := engine.MergeSummary(first, int(folded), time.UnixMilli(n(attrTFirst)).UTC(), time.UnixMilli(n(attrTLast)).UTC(), samples)
	return &s, nil
}

// Undo takes back an Add whose alerts could not be delivered (the record
// will be retried): a group a opened and nothing folded into yet is deleted
// (the retry opens it again and sends its first alert); once others folded
// into it, it stays, and the retried alert is folded into its summary. A
// folded alert's count is taken back.
func (m *Merges) Undo(ctx context.Context, a engine.Alert, opened bool) error {
	group, _, ok := engine.MergeGroup(a)
	if !ok {
		return nil
	}
	key := mergeKey(group)
	var err error
	if opened {
		_, err = m.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                aws.String(m.Table),
			Key:                      key,
			ConditionExpression:      aws.String("#id = :id AND #folded = :zero"),
			ExpressionAttributeNames: map[string]string{"#id": attrFirstID, "#folded": attrFolded},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
				":id": &ddbtypes.AttributeValueMemberS{Value: a.ID}, ":zero": num(0),
			},
		})
	} else {
		_, err = m.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(m.Table),
			Key:                       key,
			UpdateExpression:          aws.String("ADD #folded :minus"),
			ConditionExpression:       aws.String("#folded > :zero"),
			ExpressionAttributeNames:  map[string]string{"#folded": attrFolded},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":minus": num(-1), ":zero": num(0)},
		})
	}
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("merge state %s: %w", m.Table, err)
	}
	return nil
}

// Due closes every group whose window ended by now and returns their
// summaries (groups of one have none). It scans the table; each group is
// claimed by a conditional delete, so concurrent flushes never send a
// summary twice.
func (m *Merges) Due(ctx context.Context, now time.Time) ([]engine.Alert, error) {
	var out []engine.Alert
	var start map[string]ddbtypes.AttributeValue
	for {
		page, err := m.Client.Scan(ctx, &dynamodb.ScanInput{
			TableName:                aws.String(m.Table),
			FilterExpression:         aws.String("begins_with(#pk, :p) AND #due <= :now"),
			ProjectionExpression:     aws.String("#pk, #sk"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#sk": attrSK, "#due": attrDue},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
				":p": &ddbtypes.AttributeValueMemberS{Value: "merge#"}, ":now": num(now.UnixMilli()),
			},
			ExclusiveStartKey: start,
		})
		if err != nil {
			return out, fmt.Errorf("merge state %s: scan: %w", m.Table, err)
		}
		for _, it := range page.Items {
			s, err := m.claim(ctx, map[string]ddbtypes.AttributeValue{attrPK: it[attrPK], attrSK: it[attrSK]}, now)
			if err != nil {
				return out, err
			}
			if s != nil {
				out = append(out, *s)
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = page.LastEvaluatedKey
	}
}
