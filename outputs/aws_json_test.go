package outputs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// Lambda, Firehose and CloudWatch Logs have no local server: these tests
// check the requests the real SDK clients send to a recording server.
type awsJSONCase struct {
	name, yaml string
	check      func(t *testing.T, r recorded)
	ok         string
}

var awsJSONCases = []awsJSONCase{
	{
		name: "aws-firehose:alerts",
		yaml: yamlOf("outputs:", "  aws-firehose:", "    alerts: {delivery_stream: sa-alerts, endpoint_url: %[1]s, region: eu-west-1}"),
		ok:   `{"RecordId":"r1","Encrypted":false}`,
		check: func(t *testing.T, r recorded) {
			wantEq(t, "method", r.Method, "POST")
			wantEq(t, "X-Amz-Target", r.Header.Get("X-Amz-Target"), "Firehose_20150804.PutRecord")
			if !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/firehose/aws4_request") {
				t.Errorf("not signed for eu-west-1 firehose: %s", r.Header.Get("Authorization"))
			}
			m := r.json(t)
			wantEq(t, "DeliveryStreamName", m["DeliveryStreamName"], "sa-alerts")
			data, err := base64.StdEncoding.DecodeString(dig(t, m, "Record", "Data").(string))
			if err != nil || !strings.HasSuffix(string(data), "}\n") {
				t.Fatalf("Record.Data = %q, %v: want one JSON line", data, err)
			}
			checkAlertJSON(t, string(data), sampleAlert())
		},
	},
	{
		name: "aws-cloudwatch-log:alerts",
		yaml: yamlOf("outputs:", "  aws-cloudwatch-log:", "    alerts: {log_group: /sa/alerts, log_stream: main, endpoint_url: %[1]s}"),
		ok:   `{"nextSequenceToken":"1"}`,
		check: func(t *testing.T, r recorded) {
			wantEq(t, "X-Amz-Target", r.Header.Get("X-Amz-Target"), "Logs_20140328.PutLogEvents")
			m := r.json(t)
			wantEq(t, "logGroupName", m["logGroupName"], "/sa/alerts")
			wantEq(t, "logStreamName", m["logStreamName"], "main")
			wantEq(t, "timestamp", dig(t, m, "logEvents", 0, "timestamp"), float64(1714979289000))
			checkAlertJSON(t, dig(t, m, "logEvents", 0, "message").(string), sampleAlert())
		},
	},
	{
		name: "aws-lambda:responder",
		yaml: yamlOf("outputs:", "  aws-lambda:", "    responder: {function_name: responder, qualifier: prod, endpoint_url: %[1]s}"),
		check: func(t *testing.T, r recorded) {
			wantEq(t, "method", r.Method, "POST")
			wantEq(t, "path", r.Path, "/2015-03-31/functions/responder/invocations")
			wantEq(t, "query", r.RawQuery, "Qualifier=prod")
			wantEq(t, "X-Amz-Invocation-Type", r.Header.Get("X-Amz-Invocation-Type"), "Event")
			checkAlertJSON(t, string(r.Body), sampleAlert())
		},
	},
}

func TestAWSJSONOutputs(t *testing.T) {
	type scenario struct {
		name     string
		steps    []step
		attempts int
		ok       bool
	}
	for _, c := range awsJSONCases {
		okStep := step{status: 200, body: c.ok}
		if c.name == "aws-lambda:responder" {
			okStep = step{status: 202}
		}
		for _, s := range []scenario{
			{"ok", []step{okStep}, 1, true},
			{"500 retried", []step{{status: 500, body: `{"__type":"ServiceUnavailableException","message":"x"}`}, okStep}, 2, true},
			{"throttled 400 retried", []step{{status: 400, body: `{"__type":"ThrottlingException","message":"slow down"}`}, okStep}, 2, true},
			{"429 retried", []step{{status: 429, body: `{"__type":"TooManyRequestsException","message":"x"}`}, okStep}, 2, true},
			{"validation 400 not retried", []step{{status: 400, body: `{"__type":"ValidationException","message":"bad"}`}, okStep}, 1, false},
			{"404 not retried", []step{{status: 404, body: `{"__type":"ResourceNotFoundException","message":"no"}`}, okStep}, 1, false},
		} {
			t.Run(c.name+"/"+s.name, func(t *testing.T) {
				srv := newRecorder(t)
				steps := s.steps
				srv.Config.Handler = httpRespondSteps(srv, steps)
				d, _ := newDispatcher(t, strings.ReplaceAll(c.yaml, "%[1]s", srv.URL), Options{Now: sampleAlert().Created.Local})
				a := sampleAlert(c.name)
				r := d.Deliver(context.Background(), c.name, a)
				if s.ok != (r.Err == nil) {
					t.Fatalf("delivered = %v, want %v: %v", r.Err == nil, s.ok, r.Err)
				}
				reqs := srv.requests()
				wantEq(t, "requests", len(reqs), s.attempts)
				wantEq(t, "attempts", r.Attempts, s.attempts)
				c.check(t, reqs[0])
			})
		}
	}
}

func TestLambdaFunctionError(t *testing.T) {
	srv := newRecorder(t)
	srv.Config.Handler = httpRespondSteps(srv, []step{{status: 200, header: map[string]string{"X-Amz-Function-Error": "Unhandled"},
		body: `{"errorMessage":"boom","errorType":"Error"}`}})
	d, _ := newDispatcher(t, yamlOf("outputs:", "  aws-lambda:", "    f: {function_name: f, invocation_type: RequestResponse, endpoint_url: "+srv.URL+"}"), Options{})
	r := d.Deliver(context.Background(), "aws-lambda:f", sampleAlert())
	if r.Err == nil || !strings.Contains(r.Err.Error(), "function error Unhandled") || !strings.Contains(r.Err.Error(), "boom") {
		t.Fatalf("err = %v", r.Err)
	}
	var m map[string]any
	_ = json.Unmarshal(srv.requests()[0].Body, &m)
	wantEq(t, "invocation type", srv.requests()[0].Header.Get("X-Amz-Invocation-Type"), "RequestResponse")
}
