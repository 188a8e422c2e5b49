package schema

import (
	"reflect"
	"testing"
)

// TestParseAuditd: auditd's lines as it writes them. Lines marked
// go-libaudit are from elastic/go-libaudit @ bc9ea4581bf8fad62760036e6aa90aaacbbfd0e8
// (auparse/testdata/*.log, aucoalesce/testdata/*.yaml), real captures.
func TestParseAuditd(t *testing.T) {
	tests := []struct {
		name, line string
		want       map[string]any
	}{
		{"plain SYSCALL",
			`type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no exit=-13 comm="cat" key="sshd_config"`,
			map[string]any{"type": "SYSCALL", "msg": "audit(1364481363.243:24287):", "arch": "c000003e", "syscall": "2",
				"success": "no", "exit": "-13", "comm": "cat", "key": "sshd_config"}},
		// log_format = ENRICHED (auditd.conf(5)): the interpreted fields follow
		// a 0x1D byte, not a space; key must be exactly the rule key.
		{"ENRICHED SYSCALL",
			"type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=263 success=yes exit=0 auid=1000 uid=0 comm=\"rm\" exe=\"/usr/bin/rm\" key=\"delete\"\x1dARCH=x86_64 SYSCALL=unlinkat AUID=\"alice\" UID=\"root\"",
			map[string]any{"type": "SYSCALL", "msg": "audit(1700000000.123:42):", "arch": "c000003e", "syscall": "263", "success": "yes",
				"exit": "0", "auid": "1000", "uid": "0", "comm": "rm", "exe": "/usr/bin/rm", "key": "delete",
				"ARCH": "x86_64", "SYSCALL": "unlinkat", "AUID": "alice", "UID": "root"}},
		{"ENRICHED unquoted last value", "type=SYSCALL msg=audit(1.2:3): arch=c000003e key=(null)\x1dARCH=x86_64",
			map[string]any{"type": "SYSCALL", "msg": "audit(1.2:3):", "arch": "c000003e", "key": "(null)", "ARCH": "x86_64"}},
		{"ENRICHED separator at the end", "type=PATH msg=audit(1.2:3): item=0 name=\"/bin/sh\" cap_frootid=0\x1d",
			map[string]any{"type": "PATH", "msg": "audit(1.2:3):", "item": "0", "name": "/bin/sh", "cap_frootid": "0"}},
		// go-libaudit auparse/testdata: a bare word before the pairs.
		{"USER_CMD bare word, nested msg split",
			`type=USER_CMD msg=audit(1488862769.030:19469538): user pid=3027 uid=497 auid=700 ses=11988 msg='cwd="/" cmd=2F7573722F6C6962 terminal=? res=success'`,
			map[string]any{"type": "USER_CMD", "msg": "audit(1488862769.030:19469538):", "pid": "3027", "uid": "497", "auid": "700", "ses": "11988",
				"cwd": "/", "cmd": "2F7573722F6C6962", "res": "success", AuditdTextKey: "user"}},
		{"LOGIN old and new",
			`type=LOGIN msg=audit(1170021601.343:296): login pid=13015 uid=0 old auid=4294967295 new auid=0`,
			map[string]any{"type": "LOGIN", "msg": "audit(1170021601.343:296):", "pid": "13015", "uid": "0",
				"old-auid": "4294967295", "auid": "0", AuditdTextKey: "login"}},
		{"DAEMON_END prose",
			`type=DAEMON_END msg=audit(1481078697.892:7799): auditd normal halt, sending auid=? pid=? subj=? res=success`,
			map[string]any{"type": "DAEMON_END", "msg": "audit(1481078697.892:7799):", "res": "success",
				AuditdTextKey: "auditd normal halt, sending"}},
		{"DAEMON_CONFIG id without colon",
			`type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0 pid=1512 res=success`,
			map[string]any{"type": "DAEMON_CONFIG", "msg": "audit(1490239800.477:34)", "auid": "0", "pid": "1512", "res": "success",
				AuditdTextKey: "config changed,"}},
		{"SELinux AVC",
			`type=AVC msg=audit(1170021493.977:293): avc:  denied  { read } for  pid=13010 comm="pickup" name="maildrop" dev=hda7 tclass=dir`,
			map[string]any{"type": "AVC", "msg": "audit(1170021493.977:293):", "pid": "13010", "comm": "pickup", "name": "maildrop", "dev": "hda7", "tclass": "dir",
				AuditdTextKey: "avc: denied { read } for"}},
		// go-libaudit aucoalesce/testdata: the closing quote of msg is missing.
		{"unterminated nested msg",
			`type=SERVICE_START msg=audit(1492625990.183:4083): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=rsyslog comm="systemd" exe="/lib/systemd/systemd" hostname=? addr=? terminal=? res=success`,
			map[string]any{"type": "SERVICE_START", "msg": "audit(1492625990.183:4083):", "pid": "1", "uid": "0", "auid": "4294967295", "ses": "4294967295",
				"unit": "rsyslog", "comm": "systemd", "exe": "/lib/systemd/systemd", "res": "success"}},
		{"USER_LOGIN acct and addr",
			`type=USER_LOGIN msg=audit(1493046015.752:42120): pid=18981 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=46.160.144.250 terminal=ssh res=failed'`,
			map[string]any{"type": "USER_LOGIN", "msg": "audit(1493046015.752:42120):", "pid": "18981", "uid": "0", "auid": "4294967295", "ses": "4294967295",
				"op": "login", "acct": "root", "exe": "/usr/sbin/sshd", "addr": "46.160.144.250", "terminal": "ssh", "res": "failed"}},
		{"ENRICHED SADDR in braces",
			"type=SOCKADDR msg=audit(1666825569.818:23260118): saddr=02000000000000000000000000000000\x1dSADDR={ saddr_fam=inet laddr=0.0.0.0 lport=0 }",
			map[string]any{"type": "SOCKADDR", "msg": "audit(1666825569.818:23260118):", "saddr": "02000000000000000000000000000000",
				"SADDR": "{ saddr_fam=inet laddr=0.0.0.0 lport=0 }"}},
		{"node prefix", `node=web-1 type=CWD msg=audit(1.2:3): cwd="/"`,
			map[string]any{"node": "web-1", "type": "CWD", "msg": "audit(1.2:3):", "cwd": "/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !isAuditdLine(tc.line) {
				t.Fatal("not recognised as an audit record")
			}
			got, err := parseAuditd(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
	for _, line := range []string{`a=1 b=2`, `type=X msg=y`, `msg=audit(1:2): a=1`} {
		if isAuditdLine(line) {
			t.Errorf("%q taken for an audit record", line)
		}
	}
}

// FuzzParseAuditd: any line that looks like an audit record parses without
// panicking, to pairs (no empty key) or an error.
func FuzzParseAuditd(f *testing.F) {
	f.Add("type=SYSCALL msg=audit(1.2:3): arch=c000003e key=\"delete\"\x1dARCH=x86_64 UID=\"root\"")
	f.Add(`type=USER_CMD msg=audit(1.2:3): user pid=1 msg='cwd="/" res=success`)
	f.Add(`type=LOGIN msg=audit(1.2:3): login old auid=1 new auid=2 old new`)
	f.Add(`type=AVC msg=audit(1.2:3): avc:  denied  { read } for  pid=1 =x a==b`)
	f.Fuzz(func(t *testing.T, line string) {
		m, err := parseAuditd(line)
		if err != nil {
			return
		}
		for k := range m {
			if k == "" {
				t.Fatalf("empty key in %#v", m)
			}
		}
	})
}
