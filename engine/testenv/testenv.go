// Package testenv is what tests need from the machine they run on: the local
// AWS servers .ci/aws/up.sh starts, the Lambda runtime emulator, and the
// public material in ../shared beside the repository.
//
// A missing prerequisite skips the test on a developer's machine, saying what
// is missing and how to get it, and fails it when CI=true: in CI a test that
// needs a server never passes by not running.
package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true, as CI systems set it).
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Missing skips t, or fails it under CI, with the reason.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and a prerequisite is missing: "+format, args...)
	}
	t.Skipf(format, args...)
}

// Env returns the value of the environment variable name, or calls Missing
// with how to get it.
func Env(t testing.TB, name, how string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(t, "%s is not set: %s", name, how)
	}
	return v
}

const upHint = "run `eval \"$(bash .ci/aws/up.sh)\"` (make test does)"

// AWSEndpoint is the local SQS/SNS/S3 server (fauxqs) started by .ci/aws/up.sh.
func AWSEndpoint(t testing.TB) string {
	t.Helper()
	return Env(t, "STREAMALERT_TEST_AWS_ENDPOINT", upHint)
}

// DynamoDBEndpoint is the local DynamoDB-compatible server started by .ci/aws/up.sh.
func DynamoDBEndpoint(t testing.TB) string {
	t.Helper()
	return Env(t, "STREAMALERT_TEST_DYNAMODB_ENDPOINT", upHint)
}

// LambdaRIE is the path of the aws-lambda-rie binary installed by .ci/aws/up.sh.
func LambdaRIE(t testing.TB) string {
	t.Helper()
	p := Env(t, "STREAMALERT_TEST_LAMBDA_RIE", upHint)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "STREAMALERT_TEST_LAMBDA_RIE: %v", err)
	}
	return p
}

// RepoRoot is the folder holding go.mod, found upwards from the test's
// working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Shared returns ../shared/rel beside the repository (StreamAlert's schemas
// and fixtures, real vendor samples, Sigma rules), or calls Missing.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "..", "shared", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		Missing(t, "%s not present: ../shared is beside the repository in CI and development", rel)
	}
	return p
}
