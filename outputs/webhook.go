package outputs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/streamalert-go/streamalert/engine"
)

// SignatureHeader carries "sha256=<hex>", the HMAC-SHA256 of the request
// body keyed with the webhook's signing_secret.
const SignatureHeader = "X-StreamAlert-Signature"

// webhookOutput POSTs the alert JSON to a URL. Settings: url (a secret
// reference or a plain URL), signing_secret (secret, optional), headers
// (name → value; a value may be a secret reference).
type webhookOutput struct {
	*builder
	url     Secret
	signing Secret
	headers map[string]Secret
}

func newWebhook(b *builder) Output {
	o := &webhookOutput{builder: b,
		url:     b.set.secretOrLiteral("url", true),
		signing: b.set.secret("signing_secret", false),
		headers: map[string]Secret{},
	}
	for k, v := range b.set.strMap("headers") {
		o.headers[http.CanonicalHeaderKey(k)] = Secret{Ref: v, Literal: !IsSecretRef(v)}
	}
	if !o.url.IsZero() && o.url.Literal {
		// A literal URL is checked now; a reference when it is resolved.
		b.set.used["url"] = false
		b.set.httpURL("url", true, "")
	}
	return o
}

// Sign returns the SignatureHeader value for body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (o *webhookOutput) Send(ctx context.Context, a engine.Alert) error {
	url, err := o.value(ctx, o.url)
	if err != nil {
		return err
	}
	body, err := alertJSON(a)
	if err != nil {
		return err
	}
	hdr := http.Header{}
	for k, s := range o.headers {
		v, err := o.value(ctx, s)
		if err != nil {
			return err
		}
		hdr.Set(k, v)
	}
	if !o.signing.IsZero() {
		key, err := o.value(ctx, o.signing)
		if err != nil {
			return err
		}
		hdr.Set(SignatureHeader, Sign(key, body))
	}
	_, err = o.post(ctx, url, hdr, body)
	return err
}
