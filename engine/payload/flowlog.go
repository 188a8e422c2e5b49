package payload

import "bytes"

// flowLogFields are the field names of Amazon VPC Flow Logs (versions 2 to
// 8: the default fields, the custom-format fields of v3 to v5, ECS (v7) and
// reject-reason (v8)) and of Transit Gateway Flow Logs (v6), as AWS names
// them in a flow log's format and in the header line of its S3 log files.
var flowLogFields = map[string]bool{}

func init() {
	for _, f := range []string{
		// v2, the default format
		"version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
		"protocol", "packets", "bytes", "start", "end", "action", "log-status",
		// v3
		"vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr",
		// v4
		"region", "az-id", "sublocation-type", "sublocation-id",
		// v5
		"pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path",
		// v6, Transit Gateway Flow Logs
		"resource-type", "tgw-id", "tgw-attachment-id", "tgw-src-vpc-account-id", "tgw-dst-vpc-account-id",
		"tgw-src-vpc-id", "tgw-dst-vpc-id", "tgw-src-subnet-id", "tgw-dst-subnet-id", "tgw-src-eni",
		"tgw-dst-eni", "tgw-src-az-id", "tgw-dst-az-id", "tgw-pair-attachment-id",
		"packets-lost-no-route", "packets-lost-blackhole", "packets-lost-mtu-exceeded", "packets-lost-ttl-expired",
		// v7, Amazon ECS
		"ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id",
		"ecs-container-id", "ecs-second-container-id", "ecs-service-name", "ecs-task-definition-arn",
		"ecs-task-arn", "ecs-task-id",
		// v8
		"reject-reason",
	} {
		flowLogFields[f] = true
	}
}

// IsFlowLogHeader reports whether line is the header line that starts a flow
// log file in S3 ("version account-id interface-id srcaddr ..."): at least
// two distinct words separated by single spaces, every one a flow log field
// name.
func IsFlowLogHeader(line []byte) bool {
	words := bytes.Split(line, []byte(" "))
	if len(words) < 2 {
		return false
	}
	seen := make(map[string]bool, len(words))
	for _, w := range words {
		s := string(w)
		if !flowLogFields[s] || seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}

// withFlowLogHeader wraps yield for a payload of lines: when the first line
// is a flow log header (IsFlowLogHeader), it is not a record; every later
// record is yielded as the header, a newline and the line, so the classifier
// can name the columns of any custom format (schema configuration
// header_line). Line numbers are kept.
func withFlowLogHeader(yield func(Raw) error) func(Raw) error {
	first := true
	var header, buf []byte
	return func(r Raw) error {
		if first {
			first = false
			if r.Err == nil && IsFlowLogHeader(r.Data) {
				header = append([]byte(nil), r.Data...)
				return nil
			}
		}
		if header == nil || r.Err != nil {
			return yield(r)
		}
		buf = append(append(append(buf[:0], header...), '\n'), r.Data...)
		r.Data = buf
		return yield(r)
	}
}
