// Command govectors writes the golden vectors in tests/vectors with the real golang/groupcache
// library, so that the C# tests can prove wire compatibility without running Go and the
// files can be regenerated (and checked) from the repository alone.
//
// Every input is fixed or drawn from math/rand with fixed seeds: the same library gives the
// same bytes on every run. See README.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/golang/groupcache"
	"github.com/golang/groupcache/consistenthash"
	pb "github.com/golang/groupcache/groupcachepb"
	"github.com/golang/protobuf/proto"
)

// oddKeys are the keys every vector file starts with: empty, plain, and each character class
// that escaping or hashing could get wrong.
var oddKeys = []string{
	"", "apple", "banana", "a b", "x+y", "a/b/c", "100%", "q?x=1&y=2", "#frag",
	"中文键", "ключ", "emoji-😀", "tab\there", "nl\nhere", "~!@$^*()_-=[]{};:'\",.<>|\\`",
}

// randomAlphabet mixes ASCII letters and digits with the characters URL escaping treats
// specially and a few multi-byte ones.
var randomAlphabet = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +/%?&=#;:中文é")

type ring struct {
	Replicas int      `json:"replicas"`
	Peers    []string `json:"peers"`
	Seed     int64    `json:"-"`
}

var rings = []ring{
	{Replicas: 50, Peers: []string{"http://127.0.0.1:8081"}, Seed: 1},
	{Replicas: 50, Peers: []string{"http://127.0.0.1:8081", "http://127.0.0.1:8083", "http://127.0.0.1:8085"}, Seed: 2},
	{Replicas: 50, Peers: []string{"http://node-a:8081", "http://node-b:8081", "http://node-c:8081", "http://node-d:8081", "http://node-e:8081"}, Seed: 3},
	{Replicas: 3, Peers: []string{"http://127.0.0.1:9001", "http://127.0.0.1:9002", "http://127.0.0.1:9003", "http://127.0.0.1:9004"}, Seed: 4},
	{Replicas: 200, Peers: []string{"http://cache-0.cache.default.svc:8081", "http://cache-1.cache.default.svc:8081"}, Seed: 5},
}

const (
	keysPerRing = 1000
	pathKeys    = 60
	pathsSeed   = 6
	pathGroup   = "data"
)

func main() {
	out := flag.String("out", ".", "folder to write consistenthash.json, go-client-paths.json and getresponse.json to")
	flag.Parse()
	for name, write := range map[string]func() ([]byte, error){
		"consistenthash.json":  consistentHash,
		"go-client-paths.json": clientPaths,
		"getresponse.json":     getResponses,
	} {
		data, err := write()
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, name), data, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "govectors: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
}

// keys returns the odd keys followed by random ones, n in all.
func keys(n int, seed int64) []string {
	r := rand.New(rand.NewSource(seed))
	all := append([]string(nil), oddKeys...)
	for len(all) < n {
		runes := make([]rune, 1+r.Intn(40))
		for i := range runes {
			runes[i] = randomAlphabet[r.Intn(len(randomAlphabet))]
		}
		all = append(all, string(runes))
	}
	return all
}

// consistentHash: for each ring, the owner consistenthash.Map.Get names for each key.
func consistentHash() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, rg := range rings {
		m := consistenthash.New(rg.Replicas, nil)
		m.Add(rg.Peers...)
		buf.WriteString(` {"replicas": `)
		fmt.Fprint(&buf, rg.Replicas)
		buf.WriteString(`, "peers": `)
		buf.Write(marshal(rg.Peers))
		buf.WriteString(`, "owners": [` + "\n")
		ks := keys(keysPerRing, rg.Seed)
		for j, k := range ks {
			buf.WriteString("  ")
			buf.Write(marshal([]string{k, m.Get(k)}))
			buf.WriteString(separator(j, len(ks)))
		}
		buf.WriteString(" ]}" + separator(i, len(rings)))
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}

// clientPaths: the request path a groupcache client (HTTPPool's peer getter) sends for each key,
// captured by a server on loopback that answers every request with an empty value.
func clientPaths() ([]byte, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer listener.Close()
	paths := make(chan string, 1)
	go http.Serve(listener, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.RequestURI
		body, _ := proto.Marshal(&pb.GetResponse{Value: []byte{}})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(body)
	}))

	peer := "http://" + listener.Addr().String()
	pool := groupcache.NewHTTPPoolOpts("http://127.0.0.1:1", nil)
	pool.Set(peer)

	var buf bytes.Buffer
	buf.WriteString("[\n")
	ks := keys(pathKeys, pathsSeed)
	for i, k := range ks {
		getter, ok := pool.PickPeer(k)
		if !ok {
			return nil, fmt.Errorf("no peer picked for %q", k)
		}
		req := &pb.GetRequest{Group: proto.String(pathGroup), Key: proto.String(k)}
		if err := getter.Get(context.Background(), req, &pb.GetResponse{}); err != nil {
			return nil, fmt.Errorf("get %q: %v", k, err)
		}
		path := <-paths
		buf.WriteString(" ")
		buf.Write(marshal(map[string]string{"key": k, "path": path}))
		buf.WriteString(separator(i, len(ks)))
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}

// getResponses: GetResponse messages and their exact protobuf bytes.
func getResponses() ([]byte, error) {
	cases := []*pb.GetResponse{
		{Value: []byte{}},
		{Value: []byte("hello")},
		{Value: []byte("hello"), MinuteQps: proto.Float64(12.5)},
		{Value: make([]byte, 300)},
	}
	type vector struct {
		Value     []byte  `json:"value"`
		MinuteQps float64 `json:"minute_qps"`
		Hex       string  `json:"hex"`
	}
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, c := range cases {
		data, err := proto.Marshal(c)
		if err != nil {
			return nil, err
		}
		buf.WriteString(" ")
		buf.Write(marshal(vector{Value: c.Value, MinuteQps: c.GetMinuteQps(), Hex: fmt.Sprintf("%x", data)}))
		buf.WriteString(separator(i, len(cases)))
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping, so that keys read as they are.
func marshal(v interface{}) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func separator(i, n int) string {
	if i < n-1 {
		return ",\n"
	}
	return "\n"
}
