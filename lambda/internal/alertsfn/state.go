package alertsfn

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Claim is the outcome of asking to deliver an alert to an output.
type Claim int

// Claims.
const (
	// Claimed: this caller delivers now, and then calls Delivered or Release.
	Claimed Claim = iota
	// AlreadyDelivered: an earlier attempt delivered it; do not send again.
	AlreadyDelivered
	// Busy: another instance is delivering it right now; retry later.
	Busy
)

// DeliveryState records, per alert and output, that a delivery is under way
// or done, shared by every instance of the alerts function, so a retried
// alert is not sent again to the outputs that already accepted it.
type DeliveryState interface {
	// Claim asks to deliver alert id to output; a claim lasts lease, after
	// which an unfinished one (its instance died) may be claimed again.
	Claim(ctx context.Context, id, output string, lease time.Duration) (Claim, error)
	// Delivered records that the output accepted the alert.
	Delivered(ctx context.Context, id, output string) error
	// Release gives up a claim whose delivery failed.
	Release(ctx context.Context, id, output string) error
}

// Retention is how long delivery records are kept (the TTL attribute): past
// SQS's longest retention (14 days), so no retry can outlive its record.
const Retention = 15 * 24 * time.Hour

// Attribute names of the alert state table (a contract with terraform/).
const (
	AttrPK      = "pk"         // "alert#ID"
	AttrSK      = "sk"         // "delivery#OUTPUT"
	AttrStatus  = "status"     // "sending" or "delivered"
	AttrLease   = "lease_ms"   // epoch milliseconds a "sending" claim lasts to
	AttrExpires = "expires_at" // epoch seconds: the table's TTL attribute
)

// DynamoDBAPI is the part of the DynamoDB client the state uses.
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// DynamoDBState is DeliveryState in a DynamoDB table (ALERTS_STATE_TABLE)
// with conditional writes: of instances racing for one delivery, exactly
// one claims it.
type DynamoDBState struct {
	Client DynamoDBAPI
	Table  string
	Now    func() time.Time
}

func (s *DynamoDBState) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func key(id, output string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		AttrPK: &ddbtypes.AttributeValueMemberS{Value: "alert#" + id},
		AttrSK: &ddbtypes.AttributeValueMemberS{Value: "delivery#" + output},
	}
}

func num(n int64) *ddbtypes.AttributeValueMemberN {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// Claim implements DeliveryState.
func (s *DynamoDBState) Claim(ctx context.Context, id, output string, lease time.Duration) (Claim, error) {
	now := s.now()
	item := key(id, output)
	item[AttrStatus] = &ddbtypes.AttributeValueMemberS{Value: "sending"}
	item[AttrLease] = num(now.Add(lease).UnixMilli())
	item[AttrExpires] = num(now.Add(Retention).Unix())
	_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.Table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(#pk) OR (#st = :sending AND #lease < :now)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#st": AttrStatus, "#lease": AttrLease,
		},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":sending": &ddbtypes.AttributeValueMemberS{Value: "sending"},
			":now":     num(now.UnixMilli()),
		},
	})
	if err == nil {
		return Claimed, nil
	}
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return 0, fmt.Errorf("claim %s → %s: %w", id, output, err)
	}
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: key(id, output), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("claim %s → %s: %w", id, output, err)
	}
	if st, ok := out.Item[AttrStatus].(*ddbtypes.AttributeValueMemberS); ok && st.Value == "delivered" {
		return AlreadyDelivered, nil
	}
	return Busy, nil
}

// Delivered implements DeliveryState.
func (s *DynamoDBState) Delivered(ctx context.Context, id, output string) error {
	item := key(id, output)
	item[AttrStatus] = &ddbtypes.AttributeValueMemberS{Value: "delivered"}
	item[AttrExpires] = num(s.now().Add(Retention).Unix())
	if _, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: item}); err != nil {
		return fmt.Errorf("record delivery %s → %s: %w", id, output, err)
	}
	return nil
}

// Release implements DeliveryState; a claim already gone or delivered is
// left alone.
func (s *DynamoDBState) Release(ctx context.Context, id, output string) error {
	_, err := s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       key(id, output),
		ConditionExpression:       aws.String("#st = :sending"),
		ExpressionAttributeNames:  map[string]string{"#st": AttrStatus},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":sending": &ddbtypes.AttributeValueMemberS{Value: "sending"}},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("release %s → %s: %w", id, output, err)
	}
	return nil
}
