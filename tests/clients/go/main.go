// Command goredis runs go-redis against Kuber: one check per feature family, exact replies, stop
// at the first mismatch.
//
// It reads KUBER_HOST, KUBER_PORT, KUBER_USER, KUBER_PASSWORD; prints `ok <feature>` per feature
// and `N passed, 0 failed`; on a mismatch prints `FAIL <feature>: ...` and exits 1.
// Every feature runs twice: over RESP3 (go-redis's default: `HELLO 3 AUTH <user> <pass>`, then
// CLIENT SETINFO), then over RESP2 (`HELLO 2 AUTH <user> <pass>`).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// mismatch is what a failed check panics with; run() turns it into a FAIL line.
type mismatch struct{ msg string }

func fail(format string, args ...any) { panic(mismatch{fmt.Sprintf(format, args...)}) }

func eq[T any](what string, got, want T) {
	if !reflect.DeepEqual(got, want) {
		fail("%s: got %#v, want %#v", what, got, want)
	}
}

// resulter is a go-redis command: its reply, and how it prints (name, arguments, reply or error).
type resulter[T any] interface {
	Result() (T, error)
	String() string
}

// must returns the reply of a command that must succeed.
func must[T any](cmd resulter[T]) T {
	v, err := cmd.Result()
	if err != nil {
		fail("unexpected error from %s", cmd)
	}
	return v
}

// noErr checks that a step that is not a single command succeeded.
func noErr(what string, err error) {
	if err != nil {
		fail("%s: unexpected error %q", what, err)
	}
}

// isNil checks that a command replied with a nil (redis.Nil in go-redis).
func isNil[T any](cmd resulter[T]) {
	if _, err := cmd.Result(); !errors.Is(err, redis.Nil) {
		fail("%s: want a nil reply", cmd)
	}
}

// wantErr checks that a command failed with exactly the error text `msg`.
func wantErr(what string, err error, msg string) {
	if err == nil || err.Error() != msg {
		fail("%s: got error %v, want %q", what, err, msg)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

type suite struct {
	ctx      context.Context
	opts     redis.Options
	protocol int
	prefix   string
	r        *redis.Client // the main connection
	clients  []*redis.Client
}

func (s *suite) k(name string) string { return s.prefix + name }

// connect makes a client on its own single connection that never retries, so every failure shows.
func (s *suite) connect(password string) *redis.Client {
	o := s.opts
	o.Password = password
	o.Protocol = s.protocol
	c := redis.NewClient(&o)
	s.clients = append(s.clients, c)
	return c
}

func (s *suite) closeAll() {
	for _, c := range s.clients {
		_ = c.Close()
	}
	s.clients = nil
}

func (s *suite) auth() {
	ctx := s.ctx
	s.r = s.connect(s.opts.Password)
	eq("PING", must(s.r.Ping(ctx)), "PONG")
	hello := must(s.r.Do(ctx, "HELLO"))
	var proto any
	switch h := hello.(type) {
	case map[any]any: // RESP3 map
		proto = h["proto"]
	case []any: // RESP2 flat array
		for i := 0; i+1 < len(h); i += 2 {
			if h[i] == "proto" {
				proto = h[i+1]
			}
		}
	}
	eq("HELLO proto", proto, any(int64(s.protocol)))
	bad := s.connect(s.opts.Password + "-wrong")
	wantErr("PING with a wrong password", bad.Ping(ctx).Err(), "WRONGPASS invalid username-password pair or user is disabled.")
}

func (s *suite) strings() {
	ctx, r, k := s.ctx, s.r, s.k
	eq("SET", must(r.Set(ctx, k("s"), "hello", 0)), "OK")
	eq("GET", must(r.Get(ctx, k("s"))), "hello")
	isNil(r.Get(ctx, k("missing")))
	eq("APPEND", must(r.Append(ctx, k("s"), " world")), int64(11))
	eq("GET after APPEND", must(r.Get(ctx, k("s"))), "hello world")
	eq("SET NX on existing", must(r.SetNX(ctx, k("s"), "x", 0)), false)
	eq("INCR new key", must(r.Incr(ctx, k("n"))), int64(1))
	eq("INCR", must(r.Incr(ctx, k("n"))), int64(2))
	eq("INCRBY", must(r.IncrBy(ctx, k("n"), 40)), int64(42))
	eq("DECR", must(r.Decr(ctx, k("n"))), int64(41))
	eq("GET counter", must(r.Get(ctx, k("n"))), "41")
	// go-redis turns TTL's -1 and -2 into these durations.
	eq("TTL without expiry", must(r.TTL(ctx, k("s"))), time.Duration(-1))
	eq("TTL missing", must(r.TTL(ctx, k("missing"))), time.Duration(-2))
	eq("EXPIRE", must(r.Expire(ctx, k("s"), 100*time.Second)), true)
	ttl := must(r.TTL(ctx, k("s")))
	if ttl <= 90*time.Second || ttl > 100*time.Second {
		fail("TTL after EXPIRE 100: got %v, want 91s..100s", ttl)
	}
	eq("EXPIRE missing", must(r.Expire(ctx, k("missing"), 100*time.Second)), false)
	eq("PERSIST", must(r.Persist(ctx, k("s"))), true)
	eq("TTL after PERSIST", must(r.TTL(ctx, k("s"))), time.Duration(-1))
	eq("SET EX", must(r.Set(ctx, k("ex"), "v", 50*time.Second)), "OK")
	ttl = must(r.TTL(ctx, k("ex")))
	if ttl <= 40*time.Second || ttl > 50*time.Second {
		fail("TTL after SET EX 50: got %v, want 41s..50s", ttl)
	}
	eq("MSET", must(r.MSet(ctx, k("m1"), "a", k("m2"), "b")), "OK")
	eq("MGET", must(r.MGet(ctx, k("m1"), k("missing"), k("m2"))), []any{"a", nil, "b"})
	eq("DEL", must(r.Del(ctx, k("m1"), k("m2"), k("missing"))), int64(2))
	eq("EXISTS", must(r.Exists(ctx, k("s"), k("m1"))), int64(1))
	wantErr("INCR on a non-integer", r.Incr(ctx, k("s")).Err(), "ERR value is not an integer or out of range")
}

func (s *suite) hashes() {
	ctx, r, k := s.ctx, s.r, s.k
	eq("HSET", must(r.HSet(ctx, k("h"), "name", "kuber", "lang", "rust", "stars", "10")), int64(3))
	eq("HSET existing field", must(r.HSet(ctx, k("h"), "lang", "Rust")), int64(0))
	eq("HGET", must(r.HGet(ctx, k("h"), "lang")), "Rust")
	isNil(r.HGet(ctx, k("h"), "nope"))
	eq("HGETALL", must(r.HGetAll(ctx, k("h"))),
		map[string]string{"name": "kuber", "lang": "Rust", "stars": "10"})
	eq("HMGET", must(r.HMGet(ctx, k("h"), "name", "nope", "stars")), []any{"kuber", nil, "10"})
	eq("HINCRBY", must(r.HIncrBy(ctx, k("h"), "stars", 5)), int64(15))
	eq("HLEN", must(r.HLen(ctx, k("h"))), int64(3))
	eq("HEXISTS", must(r.HExists(ctx, k("h"), "name")), true)
	eq("HDEL", must(r.HDel(ctx, k("h"), "name", "nope")), int64(1))
	eq("HKEYS", sorted(must(r.HKeys(ctx, k("h")))), []string{"lang", "stars"})
	eq("HGETALL missing key", must(r.HGetAll(ctx, k("missing"))), map[string]string{})
	wantErr("GET on a hash", r.Get(ctx, k("h")).Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
}

func (s *suite) lists() {
	ctx, r, k := s.ctx, s.r, s.k
	eq("RPUSH", must(r.RPush(ctx, k("l"), "b", "c")), int64(2))
	eq("LPUSH", must(r.LPush(ctx, k("l"), "a")), int64(3))
	eq("LRANGE", must(r.LRange(ctx, k("l"), 0, -1)), []string{"a", "b", "c"})
	eq("LLEN", must(r.LLen(ctx, k("l"))), int64(3))
	eq("LINDEX", must(r.LIndex(ctx, k("l"), -1)), "c")
	eq("LPOP", must(r.LPop(ctx, k("l"))), "a")
	eq("RPOP", must(r.RPop(ctx, k("l"))), "c")
	eq("BLPOP ready", must(r.BLPop(ctx, time.Second, k("l"))), []string{k("l"), "b"})
	isNil(r.BLPop(ctx, time.Second, k("l"))) // go-redis sends whole seconds only
	// A second connection blocks; this one pushes and wakes it.
	blocker := s.connect(s.opts.Password)
	popped := make(chan *redis.StringSliceCmd, 1)
	go func() { popped <- blocker.BLPop(ctx, 5*time.Second, k("empty"), k("q")) }()
	time.Sleep(200 * time.Millisecond)
	eq("RPUSH to wake BLPOP", must(r.RPush(ctx, k("q"), "job1", "job2")), int64(2))
	eq("BLPOP woken by RPUSH", must(<-popped), []string{k("q"), "job1"})
	eq("LRANGE after BLPOP", must(r.LRange(ctx, k("q"), 0, -1)), []string{"job2"})
}

func (s *suite) sets() {
	ctx, r, k := s.ctx, s.r, s.k
	eq("SADD", must(r.SAdd(ctx, k("s1"), "a", "b", "c", "a")), int64(3))
	eq("SADD other", must(r.SAdd(ctx, k("s2"), "b", "c", "d")), int64(3))
	eq("SISMEMBER", must(r.SIsMember(ctx, k("s1"), "a")), true)
	eq("SISMEMBER absent", must(r.SIsMember(ctx, k("s1"), "z")), false)
	eq("SCARD", must(r.SCard(ctx, k("s1"))), int64(3))
	eq("SMEMBERS", sorted(must(r.SMembers(ctx, k("s1")))), []string{"a", "b", "c"})
	eq("SINTER", sorted(must(r.SInter(ctx, k("s1"), k("s2")))), []string{"b", "c"})
	eq("SUNION", sorted(must(r.SUnion(ctx, k("s1"), k("s2")))), []string{"a", "b", "c", "d"})
	eq("SDIFF", must(r.SDiff(ctx, k("s1"), k("s2"))), []string{"a"})
	eq("SREM", must(r.SRem(ctx, k("s1"), "a", "z")), int64(1))
	eq("SMEMBERS after SREM", sorted(must(r.SMembers(ctx, k("s1")))), []string{"b", "c"})
}

func (s *suite) sortedSets() {
	ctx, r, k := s.ctx, s.r, s.k
	eq("ZADD", must(r.ZAdd(ctx, k("z"),
		redis.Z{Score: 1, Member: "one"}, redis.Z{Score: 2.5, Member: "two"}, redis.Z{Score: 3, Member: "three"})), int64(3))
	eq("ZADD update", must(r.ZAdd(ctx, k("z"), redis.Z{Score: 2, Member: "two"})), int64(0))
	eq("ZSCORE", must(r.ZScore(ctx, k("z"), "two")), 2.0)
	isNil(r.ZScore(ctx, k("z"), "nope"))
	eq("ZINCRBY", must(r.ZIncrBy(ctx, k("z"), 0.5, "two")), 2.5)
	eq("ZRANGE WITHSCORES", must(r.ZRangeWithScores(ctx, k("z"), 0, -1)),
		[]redis.Z{{Score: 1, Member: "one"}, {Score: 2.5, Member: "two"}, {Score: 3, Member: "three"}})
	eq("ZREVRANGE", must(r.ZRevRange(ctx, k("z"), 0, 1)), []string{"three", "two"})
	eq("ZRANGEBYSCORE", must(r.ZRangeByScore(ctx, k("z"), &redis.ZRangeBy{Min: "(1", Max: "+inf"})),
		[]string{"two", "three"})
	eq("ZRANK", must(r.ZRank(ctx, k("z"), "three")), int64(2))
	eq("ZCARD", must(r.ZCard(ctx, k("z"))), int64(3))
	eq("ZCOUNT", must(r.ZCount(ctx, k("z"), "1", "2.5")), int64(2))
	eq("ZREM", must(r.ZRem(ctx, k("z"), "one", "nope")), int64(1))
	eq("ZRANGE after ZREM", must(r.ZRangeWithScores(ctx, k("z"), 0, -1)),
		[]redis.Z{{Score: 2.5, Member: "two"}, {Score: 3, Member: "three"}})
}

func (s *suite) keys() {
	ctx, r, k := s.ctx, s.r, s.k
	// 120 keys walked with go-redis's SCAN iterator; SCAN may repeat a key, never miss one.
	var want []string
	var args []any
	for i := 0; i < 120; i++ {
		want = append(want, k(fmt.Sprintf("scan:%d", i)))
		args = append(args, k(fmt.Sprintf("scan:%d", i)), fmt.Sprint(i))
	}
	eq("MSET 120 keys", must(r.MSet(ctx, args...)), "OK")
	seen := map[string]bool{}
	iter := r.Scan(ctx, 0, k("scan:*"), 25).Iterator()
	for iter.Next(ctx) {
		seen[iter.Val()] = true
	}
	noErr("SCAN", iter.Err())
	var got []string
	for key := range seen {
		got = append(got, key)
	}
	eq("SCAN MATCH", sorted(got), sorted(want))
	eq("TYPE string", must(r.Type(ctx, k("n"))), "string")
	eq("TYPE hash", must(r.Type(ctx, k("h"))), "hash")
	eq("TYPE list", must(r.Type(ctx, k("q"))), "list")
	eq("TYPE set", must(r.Type(ctx, k("s1"))), "set")
	eq("TYPE zset", must(r.Type(ctx, k("z"))), "zset")
	eq("TYPE missing", must(r.Type(ctx, k("missing"))), "none")
	eq("RENAME", must(r.Rename(ctx, k("scan:0"), k("renamed"))), "OK")
	eq("EXISTS after RENAME", must(r.Exists(ctx, k("scan:0"), k("renamed"))), int64(1))
	eq("UNLINK", must(r.Unlink(ctx, k("renamed"), k("scan:1"), k("missing"))), int64(2))
	wantErr("RENAME missing", r.Rename(ctx, k("missing"), k("x")).Err(), "ERR no such key")
}

func (s *suite) pipeline() {
	ctx, r, k := s.ctx, s.r, s.k
	// 1,000 commands in one write: SET on even i, INCR on odd i.
	pipe := r.Pipeline()
	cmds := make([]redis.Cmder, 0, 1000)
	for i := 0; i < 1000; i++ {
		if i%2 == 0 {
			cmds = append(cmds, pipe.Set(ctx, k(fmt.Sprintf("p:%d", i)), fmt.Sprintf("v%d", i), 0))
		} else {
			cmds = append(cmds, pipe.Incr(ctx, k("p:n")))
		}
	}
	eq("pipeline length", pipe.Len(), 1000)
	_, err := pipe.Exec(ctx)
	noErr("pipeline EXEC", err)
	for i, c := range cmds {
		what := fmt.Sprintf("pipelined reply %d (%s)", i, c.Name())
		switch c := c.(type) {
		case *redis.StatusCmd:
			eq(what, must(c), "OK")
		case *redis.IntCmd:
			eq(what, must(c), int64((i+1)/2))
		default:
			fail("%s: unexpected command type %T", what, c)
		}
	}
	eq("counter after pipeline", must(r.Get(ctx, k("p:n"))), "500")
	eq("GET after pipeline", must(r.Get(ctx, k("p:998"))), "v998")
}

func (s *suite) transactions() {
	ctx, r, k := s.ctx, s.r, s.k
	eq("SET", must(r.Set(ctx, k("t"), "10", 0)), "OK")
	var incr *redis.IntCmd
	var get *redis.StringCmd
	err := r.Watch(ctx, func(tx *redis.Tx) error {
		eq("GET watched", must(tx.Get(ctx, k("t"))), "10")
		cmds, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, k("t"), "11", 0)
			incr = p.Incr(ctx, k("t"))
			get = p.Get(ctx, k("t"))
			return nil
		})
		eq("EXEC reply count", len(cmds), 3)
		return err
	}, k("t"))
	noErr("WATCH/MULTI/EXEC", err)
	eq("INCR in EXEC", must(incr), int64(12))
	eq("GET in EXEC", must(get), "12")
	// Another connection changes the watched key between WATCH and EXEC: EXEC returns null.
	other := s.connect(s.opts.Password)
	err = r.Watch(ctx, func(tx *redis.Tx) error {
		eq("SET from another connection", must(other.Set(ctx, k("t"), "changed", 0)), "OK")
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, k("t"), "mine", 0)
			return nil
		})
		return err
	}, k("t"))
	if !errors.Is(err, redis.TxFailedErr) {
		fail("EXEC after the watched key changed: got error %v, want redis.TxFailedErr (EXEC replied nil)", err)
	}
	eq("value after aborted EXEC", must(r.Get(ctx, k("t"))), "changed")
	// A queued command that fails at run time does not roll back the others.
	cmds, err := r.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, k("t2"), "x", 0)
		p.Incr(ctx, k("t2"))
		p.Get(ctx, k("t2"))
		return nil
	})
	wantErr("EXEC with a failing command", err, "ERR value is not an integer or out of range")
	eq("EXEC with a failing command: reply count", len(cmds), 3)
	eq("EXEC with a failing command: SET", must(cmds[0].(*redis.StatusCmd)), "OK")
	wantErr("EXEC with a failing command: INCR", cmds[1].Err(), "ERR value is not an integer or out of range")
	eq("EXEC with a failing command: GET", must(cmds[2].(*redis.StringCmd)), "x")
}

func (s *suite) pubsub() {
	ctx, k := s.ctx, s.k
	subClient, pub := s.connect(s.opts.Password), s.connect(s.opts.Password)
	sub := subClient.Subscribe(ctx, k("news"))
	defer sub.Close()
	confirmed := func(what string, want redis.Subscription) {
		got, err := sub.Receive(ctx)
		noErr(what, err)
		eq(what, got, any(&want))
	}
	confirmed("SUBSCRIBE", redis.Subscription{Kind: "subscribe", Channel: k("news"), Count: 1})
	noErr("PSUBSCRIBE", sub.PSubscribe(ctx, k("user:*")))
	confirmed("PSUBSCRIBE", redis.Subscription{Kind: "psubscribe", Channel: k("user:*"), Count: 2})
	receive := func(what string) *redis.Message {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		msg, err := sub.ReceiveMessage(rctx)
		noErr(what, err)
		return msg
	}
	eq("PUBLISH to a channel", must(pub.Publish(ctx, k("news"), "hello")), int64(1))
	eq("message", *receive("message"), redis.Message{Channel: k("news"), Payload: "hello"})
	eq("PUBLISH to a pattern", must(pub.Publish(ctx, k("user:42"), "login")), int64(1))
	eq("pmessage", *receive("pmessage"), redis.Message{Channel: k("user:42"), Pattern: k("user:*"), Payload: "login"})
	eq("PUBSUB NUMSUB", must(pub.PubSubNumSub(ctx, k("news"))), map[string]int64{k("news"): 1})
	noErr("UNSUBSCRIBE", sub.Unsubscribe(ctx, k("news")))
	confirmed("UNSUBSCRIBE", redis.Subscription{Kind: "unsubscribe", Channel: k("news"), Count: 1})
	noErr("PUNSUBSCRIBE", sub.PUnsubscribe(ctx, k("user:*")))
	confirmed("PUNSUBSCRIBE", redis.Subscription{Kind: "punsubscribe", Channel: k("user:*"), Count: 0})
	eq("PUBLISH with no subscriber", must(pub.Publish(ctx, k("news"), "again")), int64(0))
}

// run calls one feature and turns a failed check (or any panic) into an error.
func run(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if m, ok := p.(mismatch); ok {
				err = errors.New(m.msg)
			} else {
				err = fmt.Errorf("unexpected panic: %v", p)
			}
		}
	}()
	f()
	return nil
}

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Printf("FAIL setup: environment variable %s is not set (need KUBER_HOST, KUBER_PORT, KUBER_USER, KUBER_PASSWORD)\n", name)
		os.Exit(2)
	}
	return v
}

func main() {
	opts := redis.Options{
		Addr:         net.JoinHostPort(env("KUBER_HOST"), env("KUBER_PORT")),
		Username:     env("KUBER_USER"),
		Password:     env("KUBER_PASSWORD"),
		MaxRetries:   -1, // no retries: every failure shows
		PoolSize:     1,  // one connection per client, so WATCH and MULTI share it
		DialTimeout:  10 * time.Second,
		ReadTimeout:  10 * time.Second,
		WriteTimeout: 10 * time.Second,
	}
	var buf [4]byte
	_, _ = rand.Read(buf[:])
	runID := hex.EncodeToString(buf[:])

	passed, failed := 0, 0
	for _, protocol := range []int{3, 2} {
		s := &suite{ctx: context.Background(), opts: opts, protocol: protocol,
			prefix: fmt.Sprintf("goredis:%s:resp%d:", runID, protocol)}
		features := []struct {
			name string
			fn   func()
		}{
			{"auth", s.auth}, {"strings", s.strings}, {"hashes", s.hashes}, {"lists", s.lists},
			{"sets", s.sets}, {"sorted sets", s.sortedSets}, {"keys", s.keys}, {"pipeline", s.pipeline},
			{"transactions", s.transactions}, {"pubsub", s.pubsub},
		}
		for _, f := range features {
			feature := fmt.Sprintf("%s (RESP%d)", f.name, protocol)
			if err := run(f.fn); err != nil {
				failed++
				fmt.Printf("FAIL %s: %v\n", feature, err)
				s.closeAll()
				fmt.Printf("%d passed, %d failed\n", passed, failed)
				os.Exit(1)
			}
			passed++
			fmt.Printf("ok %s\n", feature)
		}
		s.closeAll()
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
}
