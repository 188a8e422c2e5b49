package main

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// The conventions every HTTP server of this command keeps (`run --listen`,
// `playground --addr`): loopback needs no token; any other address needs a
// bearer token (--token-file) unless --insecure-no-auth says otherwise.

// checkListenAuth returns the usage error for serving on addr (given with
// flag, e.g. "--listen") without a token when other hosts can connect, and
// nil when addr is loopback, a token file is given, or insecure is set.
func checkListenAuth(flag, addr, tokenFile string, insecure bool) error {
	if tokenFile != "" || insecure || isLoopback(addr) {
		return nil
	}
	return fmt.Errorf("%s %s accepts connections from other hosts: give --token-file (clients then send \"Authorization: Bearer TOKEN\"), listen on a loopback address such as 127.0.0.1:PORT, or pass --insecure-no-auth", flag, addr)
}

// requireToken wraps next so that it runs only for requests carrying
// "Authorization: Bearer TOKEN" with TOKEN equal to token, compared in
// constant time so it cannot be guessed byte by byte from response times.
// A nil token returns next unchanged. It runs before any of the body is
// read; a refused request's connection is closed ("Connection: close" also
// stops the server from draining the body), so an unauthenticated client
// cannot hold a connection by sending its body slowly.
func requireToken(token []byte, next http.HandlerFunc) http.HandlerFunc {
	if token == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		const prefix = "Bearer "
		if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) ||
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[len(prefix):])), token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="streamalert"`)
			refuse(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next(w, r)
	}
}
