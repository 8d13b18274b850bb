// Command gopeer runs the real golang/groupcache library as one node of a ring.
//
// The C# interop tests put it into a mixed C#/Go ring, and the benchmarks use it as
// the Go reference cache node. It therefore changes nothing about how the library
// behaves: one HTTPPool, one group, groupcache's own peer transport left at its
// default. Only the getter and the small API in front of the group are ours.
// See README.md for the command line and the HTTP surface.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golang/groupcache"
	"github.com/golang/groupcache/consistenthash"
)

const (
	basePath = "/_groupcache/"
	// maxSyntheticBytes bounds "bin:N:" values so that a mistyped N cannot exhaust memory.
	maxSyntheticBytes = 1 << 30
)

type config struct {
	self       string
	peers      []string
	api        string
	group      string
	cacheBytes int64
	source     string
	replicas   int
	// peerIdleConns is the peer transport's MaxIdleConnsPerHost. Go's default (2) leaves the
	// pool's transport untouched; any other value gives the pool its own tuned transport.
	peerIdleConns int
	// countKeys keeps a count per loaded key for /loads; off, only the total is kept, so a node
	// holding millions of entries carries no harness map beside its cache (the scaling benchmark).
	countKeys bool
}

func main() {
	cfg := parseFlags()

	selfURL, err := url.Parse(cfg.self)
	if err != nil || selfURL.Host == "" || (selfURL.Scheme != "http") {
		usageError(fmt.Sprintf("-self must be an http base URL like http://127.0.0.1:8001, got %q", cfg.self))
	}
	if !contains(cfg.peers, cfg.self) {
		// Legal for groupcache, but then this node never owns a key; almost always a caller mistake.
		fmt.Fprintf(os.Stderr, "gopeer: warning: -self %s is not in -peers\n", cfg.self)
	}

	loads := newLoadCounter(cfg.countKeys)
	getter := syntheticGetter(loads)
	if cfg.source != "" {
		getter = sourceGetter(loads, strings.TrimRight(cfg.source, "/"))
	}

	// NewHTTPPoolOpts, not NewHTTPPool: the latter registers on http.DefaultServeMux,
	// and we want the pool on its own listener. It may be called only once per process.
	pool := groupcache.NewHTTPPoolOpts(cfg.self, &groupcache.HTTPPoolOptions{
		BasePath: basePath,
		Replicas: cfg.replicas,
	})
	if cfg.peerIdleConns != http.DefaultMaxIdleConnsPerHost {
		transport := peerTransport(cfg.peerIdleConns)
		pool.Transport = func(context.Context) http.RoundTripper { return transport }
	}
	pool.Set(cfg.peers...)
	group := groupcache.NewGroup(cfg.group, cfg.cacheBytes, getter)

	// The same ring HTTPPool builds internally, so /owner answers what the pool would pick.
	ring := consistenthash.New(cfg.replicas, nil)
	ring.Add(cfg.peers...)

	peerLn, err := net.Listen("tcp", selfURL.Host)
	if err != nil {
		fatal("listen on -self %s: %v", selfURL.Host, err)
	}
	apiLn, err := net.Listen("tcp", cfg.api)
	if err != nil {
		peerLn.Close()
		fatal("listen on -api %s: %v", cfg.api, err)
	}

	peerServer := &http.Server{Handler: peerHandler(pool), ReadHeaderTimeout: 10 * time.Second}
	apiServer := &http.Server{
		Handler:           &api{group: group, loads: loads, ring: ring},
		ReadHeaderTimeout: 10 * time.Second,
	}

	serveErr := make(chan error, 2)
	go func() { serveErr <- peerServer.Serve(peerLn) }()
	go func() { serveErr <- apiServer.Serve(apiLn) }()

	// Both sockets are bound (and accepting into the backlog), so callers may connect now.
	fmt.Printf("gopeer ready self=%s api=%s\n", cfg.self, apiLn.Addr().String())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	exitCode := 0
	select {
	case <-signals:
	case err := <-serveErr:
		fmt.Fprintf(os.Stderr, "gopeer: server stopped: %v\n", err)
		exitCode = 1
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = apiServer.Shutdown(ctx)
	_ = peerServer.Shutdown(ctx)
	os.Exit(exitCode)
}

func parseFlags() config {
	var cfg config
	var peers string
	flag.StringVar(&cfg.self, "self", "", "this node's base URL, e.g. http://127.0.0.1:8001 (required)")
	flag.StringVar(&peers, "peers", "", "comma-separated base URLs of all nodes, self included, in ring order (required)")
	flag.StringVar(&cfg.api, "api", "", "host:port for the API server (required)")
	flag.StringVar(&cfg.group, "group", "data", "group name")
	flag.Int64Var(&cfg.cacheBytes, "cache-bytes", 64<<20, "group cache budget in bytes")
	flag.StringVar(&cfg.source, "source", "", "optional source base URL; values come from GET {source}/api/data/{key}")
	flag.IntVar(&cfg.replicas, "replicas", 50, "virtual nodes per peer on the consistent hash ring")
	flag.IntVar(&cfg.peerIdleConns, "peer-idle-conns", envInt("GOPEER_PEER_IDLE_CONNS", http.DefaultMaxIdleConnsPerHost),
		"idle connections kept per peer by the peer transport (http.Transport MaxIdleConnsPerHost); "+
			"default $GOPEER_PEER_IDLE_CONNS, else Go's default of 2, which leaves groupcache's transport as it is")
	flag.BoolVar(&cfg.countKeys, "count-keys", true,
		"count loads per key for /loads; false keeps only the total (no map that grows with the keys loaded)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: gopeer -self http://127.0.0.1:P -peers URL[,URL...] -api 127.0.0.1:A "+
				"[-group data] [-cache-bytes 67108864] [-source http://127.0.0.1:S] [-replicas 50] [-peer-idle-conns 2] [-count-keys=true]\n")
		flag.PrintDefaults()
	}
	flag.Parse() // ExitOnError: prints usage and exits 2 on a bad flag.

	if flag.NArg() > 0 {
		usageError(fmt.Sprintf("unexpected arguments: %v", flag.Args()))
	}
	if cfg.self == "" || peers == "" || cfg.api == "" {
		usageError("-self, -peers and -api are required")
	}
	for _, p := range strings.Split(peers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.peers = append(cfg.peers, p)
		}
	}
	if len(cfg.peers) == 0 {
		usageError("-peers lists no URL")
	}
	if cfg.replicas <= 0 {
		usageError("-replicas must be positive")
	}
	if cfg.peerIdleConns <= 0 {
		usageError("-peer-idle-conns must be positive")
	}
	if cfg.cacheBytes < 0 {
		usageError("-cache-bytes must not be negative")
	}
	if cfg.group == "" {
		usageError("-group must not be empty")
	}
	return cfg
}

// envInt reads a default from the environment; a value that is not an integer is a usage error.
func envInt(name string, fallback int) int {
	v, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(v) == "" {
		return fallback
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		usageError(fmt.Sprintf("%s must be an integer, got %q", name, v))
	}
	return n
}

// peerTransport is http.DefaultTransport with room for n idle connections per peer: what a
// careful operator gives groupcache's peer client, so that a busy peer path reuses connections
// instead of opening (and leaving in TIME_WAIT) new ones once two are in use.
func peerTransport(n int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = n
	if t.MaxIdleConns < n {
		t.MaxIdleConns = n
	}
	return t
}

func usageError(msg string) {
	fmt.Fprintf(os.Stderr, "gopeer: %s\n", msg)
	flag.Usage()
	os.Exit(2)
}

func fatal(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gopeer: "+format+"\n", args...)
	os.Exit(1)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// peerHandler serves the pool directly rather than through http.ServeMux: ServeMux
// redirects paths it would clean (keys holding "//" or "/../"), which groupcache's peer
// client does not follow. Anything outside the base path is a 404, because the pool
// panics on paths it does not own.
func peerHandler(pool *groupcache.HTTPPool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, basePath) {
			http.NotFound(w, r)
			return
		}
		pool.ServeHTTP(w, r)
	})
}

// ---- getters ----------------------------------------------------------------

// loadCounter records every getter invocation, so tests can prove a key was loaded
// once across the ring.
type loadCounter struct {
	mu    sync.Mutex
	total int64
	keys  map[string]int64 // nil when only the total is kept
}

func newLoadCounter(countKeys bool) *loadCounter {
	c := &loadCounter{}
	if countKeys {
		c.keys = make(map[string]int64)
	}
	return c
}

func (c *loadCounter) record(key string) {
	c.mu.Lock()
	c.total++
	if c.keys != nil {
		c.keys[key]++
	}
	c.mu.Unlock()
}

func (c *loadCounter) snapshot() (int64, map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make(map[string]int64, len(c.keys))
	for k, v := range c.keys {
		keys[k] = v
	}
	return c.total, keys
}

// syntheticGetter derives every value from its key, so any node (Go or C#) can
// check a value without a shared data source.
func syntheticGetter(loads *loadCounter) groupcache.Getter {
	return groupcache.GetterFunc(func(_ context.Context, key string, dest groupcache.Sink) error {
		loads.record(key)
		if strings.HasPrefix(key, "missing:") {
			return errors.New("not found: " + key)
		}
		if n, ok := binSize(key); ok {
			if n > maxSyntheticBytes {
				return fmt.Errorf("bin size %d exceeds %d", n, maxSyntheticBytes)
			}
			return dest.SetBytes(binValue(key, n))
		}
		return dest.SetString("v:" + key)
	})
}

// binSize reads N from a key shaped "bin:N:...", N decimal digits only.
func binSize(key string) (int, bool) {
	rest := strings.TrimPrefix(key, "bin:")
	if len(rest) == len(key) {
		return 0, false
	}
	colon := strings.IndexByte(rest, ':')
	if colon <= 0 {
		return 0, false
	}
	digits := rest[:colon]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		// Only overflow is possible here; report it as too large rather than as text.
		return maxSyntheticBytes + 1, true
	}
	if n > maxSyntheticBytes {
		return maxSyntheticBytes + 1, true
	}
	return int(n), true
}

// binValue is byte i = (i*31 + len(key)) mod 256, len(key) in bytes.
func binValue(key string, n int) []byte {
	b := make([]byte, n)
	k := len(key)
	for i := range b {
		b[i] = byte((i*31 + k) % 256)
	}
	return b
}

// sourceGetter loads from a data service. Its client gets a generous idle pool so a
// benchmark measures the cache, not Go's default of two idle connections per host.
func sourceGetter(loads *loadCounter, source string) groupcache.Getter {
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil, // never route the loopback source through an environment proxy
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
		},
	}
	return groupcache.GetterFunc(func(ctx context.Context, key string, dest groupcache.Sink) error {
		loads.record(key)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, source+"/api/data/"+url.PathEscape(key), nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		defer func() {
			// Drain so the connection goes back to the idle pool.
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}()
		switch {
		case res.StatusCode == http.StatusNotFound:
			return errors.New("not found: " + key)
		case res.StatusCode != http.StatusOK:
			return fmt.Errorf("source returned %s", res.Status)
		}
		var body struct {
			Value *string `json:"value"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			return fmt.Errorf("source: decoding response: %w", err)
		}
		if body.Value == nil {
			return errors.New("source: response has no string \"value\"")
		}
		return dest.SetString(*body.Value)
	})
}

// ---- API server ---------------------------------------------------------------

type api struct {
	group *groupcache.Group
	loads *loadCounter
	ring  *consistenthash.Map
}

const dataPrefix = "/api/data/"

// ServeHTTP dispatches by hand instead of through http.ServeMux, which would clean
// (and redirect) keys containing "//" or "/../".
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{"method not allowed"})
		return
	}
	if escaped := r.URL.EscapedPath(); strings.HasPrefix(escaped, dataPrefix) {
		a.data(w, r, escaped[len(dataPrefix):])
		return
	}
	switch r.URL.Path {
	case "/raw":
		a.raw(w, r)
	case "/loads":
		a.loadsReport(w)
	case "/owner":
		a.owner(w, r)
	case "/stats":
		a.stats(w)
	case "/health":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	default:
		writeJSON(w, http.StatusNotFound, errorBody{"no such endpoint"})
	}
}

type errorBody struct {
	Error string `json:"error"`
}

type dataBody struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// data is the benchmark path: kept free of logging and extra allocation.
func (a *api) data(w http.ResponseWriter, r *http.Request, escapedKey string) {
	// PathUnescape, not QueryUnescape: a '+' in a path is a plus, not a space.
	key, err := url.PathUnescape(escapedKey)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{"malformed key escape"})
		return
	}
	if key == "" {
		writeJSON(w, http.StatusBadRequest, errorBody{"key is empty"})
		return
	}
	var value string
	if err := a.group.Get(r.Context(), key, groupcache.StringSink(&value)); err != nil {
		status := http.StatusBadGateway
		if isNotFound(err) {
			status = http.StatusNotFound
		}
		writeJSON(w, status, errorBody{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, dataBody{Key: key, Value: value})
}

func (a *api) raw(w http.ResponseWriter, r *http.Request) {
	key, ok := queryKey(w, r)
	if !ok {
		return
	}
	var view groupcache.ByteView
	if err := a.group.Get(r.Context(), key, groupcache.ByteViewSink(&view)); err != nil {
		status := http.StatusInternalServerError
		if isNotFound(err) {
			status = http.StatusNotFound
		}
		http.Error(w, err.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(view.Len()))
	_, _ = view.WriteTo(w)
}

func (a *api) loadsReport(w http.ResponseWriter) {
	total, keys := a.loads.snapshot()
	writeJSON(w, http.StatusOK, struct {
		Total int64            `json:"total"`
		Keys  map[string]int64 `json:"keys"`
	}{total, keys})
}

func (a *api) owner(w http.ResponseWriter, r *http.Request) {
	key, ok := queryKey(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, a.ring.Get(key))
}

// cacheStatsBody and statsBody use groupcache's own field names, which the C# library
// mirrors, so the two can be compared field by field.
type cacheStatsBody struct {
	Bytes     int64
	Items     int64
	Gets      int64
	Hits      int64
	Evictions int64
}

type statsBody struct {
	Group          string
	Gets           int64
	CacheHits      int64
	PeerLoads      int64
	PeerErrors     int64
	Loads          int64
	LoadsDeduped   int64
	LocalLoads     int64
	LocalLoadErrs  int64
	ServerRequests int64
	MainCache      cacheStatsBody
	HotCache       cacheStatsBody
}

func (a *api) stats(w http.ResponseWriter) {
	s := &a.group.Stats
	writeJSON(w, http.StatusOK, statsBody{
		Group:          a.group.Name(),
		Gets:           s.Gets.Get(),
		CacheHits:      s.CacheHits.Get(),
		PeerLoads:      s.PeerLoads.Get(),
		PeerErrors:     s.PeerErrors.Get(),
		Loads:          s.Loads.Get(),
		LoadsDeduped:   s.LoadsDeduped.Get(),
		LocalLoads:     s.LocalLoads.Get(),
		LocalLoadErrs:  s.LocalLoadErrs.Get(),
		ServerRequests: s.ServerRequests.Get(),
		MainCache:      toCacheStatsBody(a.group.CacheStats(groupcache.MainCache)),
		HotCache:       toCacheStatsBody(a.group.CacheStats(groupcache.HotCache)),
	})
}

func toCacheStatsBody(c groupcache.CacheStats) cacheStatsBody {
	return cacheStatsBody{Bytes: c.Bytes, Items: c.Items, Gets: c.Gets, Hits: c.Hits, Evictions: c.Evictions}
}

// queryKey reads ?key=; an absent or empty key is the client's mistake (400).
func queryKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.URL.Query().Get("key")
	if key == "" {
		writeJSON(w, http.StatusBadRequest, errorBody{"query parameter key is required"})
		return "", false
	}
	return key, true
}

// isNotFound recognises a miss. Errors cross groupcache as text only (a peer's error
// becomes "server returned: 500", after which the group loads locally), so matching
// the message is the only signal that survives.
func isNotFound(err error) bool {
	return strings.Contains(err.Error(), "not found")
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
