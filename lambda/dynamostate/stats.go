package dynamostate

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// StatsAPI is the part of the DynamoDB client StagedCounts uses.
type StatsAPI interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// StagedCounts counts the alerts of staged rules per rule and UTC day in
// the table (pk "staged#RULE", sk "day#YYYY-MM-DD", kept 90 days), so an
// analyst sees what a rule on trial would have paged before promoting it
// (`streamalert rules status`). Safe for concurrent use.
type StagedCounts struct {
	Client StatsAPI
	Table  string
}

// StagedRetention is how long daily counts are kept.
const StagedRetention = 90 * 24 * time.Hour

func dayKey(t time.Time) string { return "day#" + t.UTC().Format(time.DateOnly) }

// Add counts n alerts of rule on the UTC day of t.
func (s *StagedCounts) Add(ctx context.Context, rule string, t time.Time, n int) error {
	day := t.UTC().Truncate(24 * time.Hour)
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table),
		Key: map[string]ddbtypes.AttributeValue{
			attrPK: &ddbtypes.AttributeValueMemberS{Value: "staged#" + rule},
			attrSK: &ddbtypes.AttributeValueMemberS{Value: dayKey(t)},
		},
		UpdateExpression:         aws.String("ADD #n :n SET #exp = :exp"),
		ExpressionAttributeNames: map[string]string{"#n": attrCount, "#exp": attrExpires},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":n": num(int64(n)), ":exp": num(day.Add(StagedRetention).Unix()),
		},
	})
	if err != nil {
		return fmt.Errorf("staged counts %s: %w", s.Table, err)
	}
	return nil
}

// Count returns the alerts of rule counted on the UTC days from since to
// until, inclusive.
func (s *StagedCounts) Count(ctx context.Context, rule string, since, until time.Time) (int, error) {
	total := 0
	var start map[string]ddbtypes.AttributeValue
	for {
		out, err := s.Client.Query(ctx, &dynamodb.QueryInput{
			TableName:                aws.String(s.Table),
			KeyConditionExpression:   aws.String("#pk = :pk AND #sk BETWEEN :from AND :to"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#sk": attrSK},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
				":pk":   &ddbtypes.AttributeValueMemberS{Value: "staged#" + rule},
				":from": &ddbtypes.AttributeValueMemberS{Value: dayKey(since)},
				":to":   &ddbtypes.AttributeValueMemberS{Value: dayKey(until)},
			},
			ExclusiveStartKey: start,
		})
		if err != nil {
			return 0, fmt.Errorf("staged counts %s: %w", s.Table, err)
		}
		for _, it := range out.Items {
			if v, ok := it[attrCount].(*ddbtypes.AttributeValueMemberN); ok {
				n, _ := strconv.Atoi(v.Value)
				total += n
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return total, nil
		}
		start = out.LastEvaluatedKey
	}
}
