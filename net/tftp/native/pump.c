// The TFTP data pump: one read transfer's data phase in its own thread, with a connected socket
// and blocking calls, so a lock-step block costs one recv and one send (a C server's cost)
// instead of an epoll wake-up, two recvmsg, a JS callback and a sendmsg on the event loop.
// A window of blocks leaves in one sendmmsg.
//
// What stays in TypeScript: the request, names, negotiation, the guard socket that answers
// strangers, logging and stats. The rules here are session.ts's, one for one (block
// wrap-around, duplicate ACKs ignored, RFC 7440 windows restarting after the acknowledged
// block, backoff doubling to 60 s, retries); net/tftp/server.test.ts runs the same cases on both
// engines. Datagrams that are neither a well-formed ACK nor ERROR go to JS, which decodes them
// with the one codec (packet.ts) and decides: malformed (resume(), counted) or illegal (abort()
// with ERROR 4). The thread waits for that verdict before it reads the next datagram, so the
// order of events is the JS engine's (a DATA then the last ACK ends as illegal-op, not
// complete), and a flood of junk costs at most one queued datagram per transfer.
//
// Lifetime: start() creates the socket on the JS thread (errors are thrown there), then the
// thread runs until the transfer ends and posts 'done'. The socket and buffers are freed by
// the thread-safe function's finalizer, on the JS thread, after 'done' was delivered, so an
// abort() from JS before it saw 'done' never touches a closed or reused descriptor. The
// finalizer joins the thread first: when Node tears an environment down with a transfer still
// running it finalizes early, and the thread is then stopped, not left with freed memory.
#define _GNU_SOURCE
#ifndef NODE_GYP_MODULE_NAME
#define NODE_GYP_MODULE_NAME tftp_pump
#endif
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

// Indices of the shared Float64Array the thread keeps up to date (JS reads it live).
enum { S_HEARD, S_ACKED, S_PACKETS, S_BYTES, S_RETRANSMITS, S_MALFORMED, S_PORT, S_COUNT };

// How a transfer ended; the names are the ones JS sees.
enum end_kind { END_COMPLETE, END_TIMED_OUT, END_CLIENT_ERROR, END_ILLEGAL, END_ABORTED, END_GONE, END_SOCKET_ERROR, END_READ_ERROR };
static const char *const END_NAMES[] = { "complete", "timed-out", "client-error", "illegal-op", "aborted", "gone", "socket-error", "read-error" };

#define OP_DATA 3
#define OP_ACK 4
#define OP_ERROR 5
#define MAX_BACKOFF_MS 60000
#define RECV_BYTES 65536
#define MAX_ABORT_PACKET 1024
#define MAX_CLIENT_MESSAGE 200
#define BATCH 64
// At most one datagram waits for JS's verdict, plus 'done'.
#define MAX_PENDING_EVENTS 4

typedef struct pump {
  int fd;
  // The body: a Buffer (data != NULL) or a file read in chunks.
  const uint8_t *data;
  int file_fd;
  uint8_t *chunk;
  size_t chunk_cap;
  int64_t chunk_start;
  size_t chunk_len;
  int64_t size;
  int64_t blocks;
  uint32_t blksize, windowsize, timeout_ms, retries;
  uint8_t *oack;
  size_t oack_len;
  double *state;
  napi_ref body_ref, state_ref;
  napi_threadsafe_function tsfn;
  uint8_t *recv_buf;
  // abort(): the packet to send and how the transfer ends, published by `aborting`.
  atomic_int abort_claimed;
  atomic_int aborting;
  uint8_t abort_pkt[MAX_ABORT_PACKET];
  size_t abort_len;
  int abort_end;
  // The verdict on a datagram handed to JS: the thread waits until answered == posted.
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint64_t posted, answered;
  // Set by the finalizer when Node tears the environment down under a running thread.
  atomic_int env_closing;
  pthread_t thread;
  int thread_started;
  // Result, read by JS after the thread is done.
  int end;
  int err;
  int client_code;
  char client_msg[MAX_CLIENT_MESSAGE + 1];
} pump_t;

typedef struct event {
  int done;
  uint8_t *bytes;
  size_t len;
} event_t;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// ---- classification (checked against packet.ts decode() by the tftp-native fuzz target) ----

enum kind { K_ACK, K_ERROR, K_OTHER };

static int only_nuls(const uint8_t *b, size_t from, size_t len) {
  for (size_t i = from; i < len; i++) if (b[i] != 0) return 0;
  return 1;
}

// ACK: opcode, block, then only NULs. ERROR: opcode, code, message, NUL, then only NULs.
// Anything else, well-formed or not, is K_OTHER and decided by JS.
static enum kind classify(const uint8_t *b, size_t len, uint16_t *num, size_t *msg_end) {
  if (len < 4) return K_OTHER;
  uint16_t op = (uint16_t)(b[0] << 8 | b[1]);
  *num = (uint16_t)(b[2] << 8 | b[3]);
  if (op == OP_ACK) return only_nuls(b, 4, len) ? K_ACK : K_OTHER;
  if (op == OP_ERROR) {
    const uint8_t *nul = memchr(b + 4, 0, len - 4);
    if (!nul) return K_OTHER;
    size_t end = (size_t)(nul - b);
    if (!only_nuls(b, end + 1, len)) return K_OTHER;
    *msg_end = end;
    return K_ERROR;
  }
  return K_OTHER;
}

// ---- sending ----

static size_t error_packet(uint8_t *out, size_t cap, uint16_t code, const char *msg, size_t msg_len) {
  if (msg_len > cap - 5) msg_len = cap - 5;
  out[0] = 0; out[1] = OP_ERROR; out[2] = (uint8_t)(code >> 8); out[3] = (uint8_t)code;
  memcpy(out + 4, msg, msg_len);
  out[4 + msg_len] = 0;
  return 5 + msg_len;
}

// 0 on success, else an errno. A send error other than ECONNREFUSED is rare on a connected
// UDP socket (ENOBUFS under memory pressure): it ends the transfer like a socket error in JS.
static int send_raw(pump_t *p, const uint8_t *b, size_t len) {
  for (;;) {
    if (send(p->fd, b, len, 0) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

static int64_t block_offset(pump_t *p, int64_t abs) { return (abs - 1) * (int64_t)p->blksize; }

static size_t block_length(pump_t *p, int64_t abs) {
  int64_t start = block_offset(p, abs);
  int64_t n = p->size - start;
  if (n < 0) n = 0;
  if (n > p->blksize) n = p->blksize;
  return (size_t)n;
}

// Is block `abs` in memory? Always for a Buffer body; for a file, when the chunk holds it.
static int in_chunk(pump_t *p, int64_t abs) {
  if (p->data) return 1;
  if (p->chunk_start < 0) return 0; // nothing read yet
  int64_t from = block_offset(p, abs);
  return from >= p->chunk_start && from + (int64_t)block_length(p, abs) <= p->chunk_start + (int64_t)p->chunk_len;
}

// Reads the chunk that starts with block `abs`. 0, or -1 on a read error (file shrank, I/O error).
static int load_chunk(pump_t *p, int64_t abs) {
  int64_t from = block_offset(p, abs);
  int64_t want = p->size - from;
  if (want > (int64_t)p->chunk_cap) want = (int64_t)p->chunk_cap;
  size_t got = 0;
  while (got < (size_t)want) {
    ssize_t n = pread(p->file_fd, p->chunk + got, (size_t)want - got, from + (int64_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  p->chunk_start = from;
  p->chunk_len = got;
  return 0;
}

static const uint8_t *payload(pump_t *p, int64_t abs) {
  int64_t off = block_offset(p, abs);
  return p->data ? p->data + off : p->chunk + (off - p->chunk_start);
}

// Sends blocks [first, last] in batches of at most BATCH datagrams per sendmmsg; a batch ends
// early where the file chunk does (a window may be larger than a chunk, which stays <= 1 MiB).
// Returns 0, -1 on a read error, else an errno.
static int send_window(pump_t *p, int64_t first, int64_t last) {
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH][2];
  uint8_t hdr[BATCH][4];
  int64_t abs = first;
  while (abs <= last) {
    // A large window (up to 65535 blocks) must not hold up an abort: the loop top sends it.
    if (abs != first && atomic_load_explicit(&p->aborting, memory_order_acquire)) return 0;
    unsigned n = 0;
    double bytes = 0;
    for (; n < BATCH && abs <= last; n++, abs++) {
      if (!in_chunk(p, abs)) {
        if (n > 0) break; // send these first: loading replaces the bytes they point into
        if (load_chunk(p, abs) != 0) return -1;
      }
      size_t len = block_length(p, abs);
      hdr[n][0] = 0; hdr[n][1] = OP_DATA; hdr[n][2] = (uint8_t)((abs >> 8) & 0xff); hdr[n][3] = (uint8_t)(abs & 0xff);
      iov[n][0].iov_base = hdr[n]; iov[n][0].iov_len = 4;
      iov[n][1].iov_base = (void *)payload(p, abs); iov[n][1].iov_len = len;
      memset(&msgs[n], 0, sizeof msgs[n]);
      msgs[n].msg_hdr.msg_iov = iov[n];
      msgs[n].msg_hdr.msg_iovlen = len ? 2 : 1;
      bytes += (double)len;
    }
    unsigned done = 0;
    while (done < n) {
      int r = n - done == 1 ? (sendmsg(p->fd, &msgs[done].msg_hdr, 0) >= 0 ? 1 : -1) : sendmmsg(p->fd, msgs + done, n - done, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        // SO_SNDTIMEO ran out (a stalled link): the rest of the window goes with the next
        // retransmission, and the retry limit ends a link that never moves again.
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return errno;
      }
      done += (unsigned)r;
    }
    p->state[S_PACKETS] += n;
    p->state[S_BYTES] += bytes;
  }
  return 0;
}

// ---- talking to JS ----

// Hands an event to JS. Returns 0 when queued; else the event was dropped (and for a datagram,
// counted): 1 when Node is closing the function (no further calls allowed, release included).
static int post(pump_t *p, int done, const uint8_t *bytes, size_t len) {
  event_t *ev = calloc(1, sizeof *ev);
  if (!ev) {
    if (!done) { p->state[S_MALFORMED]++; return 2; }
    abort(); // cannot tell JS the transfer ended: nothing sane is left to do
  }
  ev->done = done;
  if (bytes) {
    ev->bytes = malloc(len ? len : 1);
    if (!ev->bytes) { free(ev); p->state[S_MALFORMED]++; return 2; }
    memcpy(ev->bytes, bytes, len);
    ev->len = len;
  }
  napi_status s = napi_call_threadsafe_function(p->tsfn, ev, done ? napi_tsfn_blocking : napi_tsfn_nonblocking);
  if (s == napi_ok) return 0;
  free(ev->bytes);
  free(ev);
  if (!done) p->state[S_MALFORMED]++;
  if (s == napi_closing) {
    atomic_store(&p->env_closing, 1);
    return 1;
  }
  return 2;
}

static void wake(pump_t *p) {
  pthread_mutex_lock(&p->mu);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

// Hands a datagram to JS and waits for its verdict (resume() or abort()), or the deadline.
static void ask_js(pump_t *p, const uint8_t *b, size_t len, int64_t deadline_ms) {
  pthread_mutex_lock(&p->mu);
  uint64_t want = ++p->posted;
  pthread_mutex_unlock(&p->mu);
  if (post(p, 0, b, len) != 0) return;
  struct timespec until = { .tv_sec = deadline_ms / 1000, .tv_nsec = (deadline_ms % 1000) * 1000000 };
  pthread_mutex_lock(&p->mu);
  while (p->answered < want && !atomic_load(&p->aborting) && !atomic_load(&p->env_closing)) {
    // At the deadline the thread goes on: retransmitting must not wait for a busy event loop.
    if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT) break;
  }
  pthread_mutex_unlock(&p->mu);
}

// ---- the transfer ----

static void set_timeout(pump_t *p, int64_t ms, int64_t *cur) {
  if (ms < 1) ms = 1;
  // Re-arming costs a syscall: only when the wait would otherwise end late (or far too early).
  if (*cur >= 0 && ms <= *cur && ms + 5 >= *cur) return;
  struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
  setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  *cur = ms;
}

// A last ERROR is best effort (RFC 1350 does not retransmit it): never wait for buffer space.
static void send_last(pump_t *p, const uint8_t *b, size_t len) {
  if (len > 0) send(p->fd, b, len, MSG_DONTWAIT);
}

static void finish_error(pump_t *p, int end, uint16_t code, const char *msg) {
  uint8_t pkt[MAX_ABORT_PACKET];
  size_t n = error_packet(pkt, sizeof pkt, code, msg, strlen(msg));
  send_last(p, pkt, n);
  p->end = end;
}

// Sends the OACK (while waiting for ACK 0) or the window after `acked`. Returns 0, or 1 when
// the transfer ended (p->end set): a read error (the client gets ERROR 0) or a socket error.
static int send_next(pump_t *p, int oack_phase, int64_t acked, int64_t *sent_to) {
  int r;
  if (oack_phase) {
    r = send_raw(p, p->oack, p->oack_len);
    if (r == 0) p->state[S_PACKETS]++;
  } else {
    int64_t last = acked + p->windowsize;
    if (last > p->blocks) last = p->blocks;
    *sent_to = last;
    r = send_window(p, acked + 1, last);
    if (r == -1) {
      finish_error(p, END_READ_ERROR, 0, "read error");
      return 1;
    }
  }
  if (r == 0) return 0;
  p->err = r;
  p->end = r == ECONNREFUSED ? END_GONE : END_SOCKET_ERROR;
  return 1;
}

static void run_transfer(pump_t *p) {
  int64_t acked = 0, sent_to = 0, tries = 0;
  int oack_phase = p->oack_len > 0;
  int64_t deadline = now_ms() + p->timeout_ms;
  int64_t cur_timeout = -1;

  if (send_next(p, oack_phase, acked, &sent_to)) return;
  for (;;) {
    if (atomic_load_explicit(&p->aborting, memory_order_acquire)) {
      send_last(p, p->abort_pkt, p->abort_len);
      p->end = p->abort_end;
      return;
    }
    int64_t now = now_ms();
    if (now >= deadline) {
      tries++;
      if (tries > p->retries) { finish_error(p, END_TIMED_OUT, 0, "transfer timed out"); return; }
      int64_t cap = p->timeout_ms > MAX_BACKOFF_MS ? p->timeout_ms : MAX_BACKOFF_MS;
      int64_t backoff = tries >= 40 ? cap : (int64_t)p->timeout_ms << tries;
      if (backoff > cap) backoff = cap;
      deadline = now + backoff;
      p->state[S_RETRANSMITS]++;
      if (send_next(p, oack_phase, acked, &sent_to)) return;
      continue;
    }
    set_timeout(p, deadline - now, &cur_timeout);
    ssize_t n = recv(p->fd, p->recv_buf, RECV_BYTES, MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      p->err = errno;
      p->end = errno == ECONNREFUSED ? END_GONE : END_SOCKET_ERROR;
      return;
    }
    // After abort()'s shutdown(SHUT_RD) recv returns 0 at once; the loop top sends the ERROR.
    if (atomic_load_explicit(&p->aborting, memory_order_acquire)) continue;
    size_t len = (size_t)n > RECV_BYTES ? RECV_BYTES : (size_t)n;
    uint16_t num = 0;
    size_t msg_end = 0;
    enum kind k = classify(p->recv_buf, len, &num, &msg_end);
    if (k == K_ACK) {
      int64_t abs;
      if (oack_phase) {
        if (num != 0) continue;
        oack_phase = 0;
        abs = 0;
      } else {
        // Only blocks in (acked, sent_to] are progress; the rest are duplicates or stale, and
        // answering them is the Sorcerer's Apprentice bug (RFC 1123 4.2.3.1).
        abs = acked + (int64_t)((num - (uint16_t)acked) & 0xffff);
        if (abs == acked || abs > sent_to) continue;
      }
      p->state[S_HEARD] = 1;
      acked = abs;
      p->state[S_ACKED] = (double)acked;
      if (acked == p->blocks) { p->end = END_COMPLETE; return; }
      tries = 0;
      deadline = now_ms() + p->timeout_ms;
      if (send_next(p, oack_phase, acked, &sent_to)) return;
    } else if (k == K_ERROR) {
      p->client_code = num;
      size_t m = msg_end - 4;
      if (m > MAX_CLIENT_MESSAGE) m = MAX_CLIENT_MESSAGE;
      memcpy(p->client_msg, p->recv_buf + 4, m);
      p->client_msg[m] = 0;
      p->end = END_CLIENT_ERROR;
      return;
    } else {
      ask_js(p, p->recv_buf, len, deadline);
    }
  }
}

static void *thread_main(void *arg) {
  pump_t *p = arg;
  run_transfer(p);
  // After napi_closing (Node tearing down) no call is allowed, release included.
  if (!atomic_load(&p->env_closing) && post(p, 1, NULL, 0) != 1) napi_release_threadsafe_function(p->tsfn, napi_tsfn_release);
  return NULL;
}

// ---- N-API glue ----

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, "EPUMP", "tftp pump: " #call " failed");    \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

static napi_value set_num(napi_env env, napi_value obj, const char *key, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, obj, key, n);
  return obj;
}

// Runs on the JS thread for each event: calls onEvent('other', Buffer) or onEvent('done', result).
static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  pump_t *p = context;
  event_t *ev = data;
  if (env && cb) {
    napi_value argv[2], undef;
    napi_get_undefined(env, &undef);
    if (ev->done) {
      napi_create_string_utf8(env, "done", NAPI_AUTO_LENGTH, &argv[0]);
      napi_create_object(env, &argv[1]);
      napi_value s;
      napi_create_string_utf8(env, END_NAMES[p->end], NAPI_AUTO_LENGTH, &s);
      napi_set_named_property(env, argv[1], "end", s);
      if (p->err) {
        napi_create_string_utf8(env, strerror(p->err), NAPI_AUTO_LENGTH, &s);
        napi_set_named_property(env, argv[1], "error", s);
      }
      if (p->end == END_CLIENT_ERROR) {
        set_num(env, argv[1], "clientCode", p->client_code);
        napi_create_string_utf8(env, p->client_msg, NAPI_AUTO_LENGTH, &s);
        napi_set_named_property(env, argv[1], "clientMessage", s);
      }
    } else {
      napi_create_string_utf8(env, "other", NAPI_AUTO_LENGTH, &argv[0]);
      void *copy;
      napi_create_buffer_copy(env, ev->len, ev->bytes, &copy, &argv[1]);
    }
    napi_call_function(env, undef, cb, 2, argv, NULL);
  }
  free(ev->bytes);
  free(ev);
}

static void free_pump(napi_env env, pump_t *p) {
  if (p->thread_started) {
    // Normally the thread has released the function and is returning; at an environment
    // teardown it may still run: stop it (it then makes no more N-API calls) and wait.
    atomic_store(&p->env_closing, 1);
    atomic_store(&p->aborting, 1);
    wake(p);
    shutdown(p->fd, SHUT_RDWR);
    pthread_join(p->thread, NULL);
  }
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  if (p->fd >= 0) close(p->fd);
  if (p->body_ref) napi_delete_reference(env, p->body_ref);
  if (p->state_ref) napi_delete_reference(env, p->state_ref);
  free(p->chunk);
  free(p->oack);
  free(p->recv_buf);
  free(p);
}

static void finalize_pump(napi_env env, void *data, void *hint) {
  (void)hint;
  free_pump(env, data);
}

static int get_u32(napi_env env, napi_value v, uint32_t *out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  static const struct { int e; const char *name; } names[] = {
    { EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { EACCES, "EACCES" },
    { EMFILE, "EMFILE" }, { ENFILE, "ENFILE" }, { ENOBUFS, "ENOBUFS" }, { ENOMEM, "ENOMEM" },
    { EAGAIN, "EAGAIN" }, { ENETUNREACH, "ENETUNREACH" }, { EINVAL, "EINVAL" },
  };
  const char *code = "EIO";
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) if (names[i].e == err) code = names[i].name;
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

// start(local, port, peerAddress, peerPort, oack|null, body: Buffer|null, fileFd, size,
//       blksize, windowsize, timeoutMs, retries, state: Float64Array(S_COUNT), onEvent) -> handle
// port 0 picks a free one; the port bound is in state[S_PORT] when start() returns.
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) { napi_throw_type_error(env, "EPUMP", "start: 14 arguments expected"); return NULL; }
  char local[64], peer[64];
  size_t slen;
  uint32_t port, peer_port, blksize, windowsize, timeout_ms, retries;
  int32_t file_fd;
  double size;
  if (napi_get_value_string_utf8(env, argv[0], local, sizeof local, &slen) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], peer, sizeof peer, &slen) != napi_ok ||
      !get_u32(env, argv[1], &port) || !get_u32(env, argv[3], &peer_port) ||
      napi_get_value_int32(env, argv[6], &file_fd) != napi_ok || napi_get_value_double(env, argv[7], &size) != napi_ok ||
      !get_u32(env, argv[8], &blksize) || !get_u32(env, argv[9], &windowsize) ||
      !get_u32(env, argv[10], &timeout_ms) || !get_u32(env, argv[11], &retries) ||
      port > 65535 || peer_port == 0 || peer_port > 65535 || blksize < 8 || blksize > 65464 ||
      windowsize < 1 || windowsize > 65535 || timeout_ms < 1 || size < 0 || size > 9007199254740991.0) {
    napi_throw_type_error(env, "EPUMP", "start: bad argument");
    return NULL;
  }
  struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
  struct sockaddr_in pa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)peer_port) };
  if (inet_pton(AF_INET, local, &la.sin_addr) != 1 || inet_pton(AF_INET, peer, &pa.sin_addr) != 1) {
    napi_throw_type_error(env, "EPUMP", "start: addresses must be IPv4");
    return NULL;
  }

  pump_t *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, "start", ENOMEM);
  p->fd = -1;
  p->file_fd = file_fd;
  p->size = (int64_t)size;
  p->blksize = blksize;
  p->windowsize = windowsize;
  p->timeout_ms = timeout_ms;
  p->retries = retries;
  p->blocks = p->size / blksize + 1;
  p->chunk_start = -1;
  {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    // ask_js() waits until a CLOCK_MONOTONIC deadline (now_ms()).
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->mu, NULL);
  }

  napi_valuetype t;
  bool is_buf;
  // Every failure below goes through fail, which frees whatever was set up (free_pump).
  const char *bad = NULL;
  int err = 0;
  napi_typeof(env, argv[4], &t);
  if (t != napi_null) {
    void *d; size_t n;
    if (napi_is_buffer(env, argv[4], &is_buf) != napi_ok || !is_buf || napi_get_buffer_info(env, argv[4], &d, &n) != napi_ok || n == 0 || n > 65535) { bad = "start: oack must be a non-empty Buffer or null"; goto fail; }
    p->oack = malloc(n);
    if (!p->oack) { err = ENOMEM; goto fail; }
    memcpy(p->oack, d, n);
    p->oack_len = n;
  }
  napi_typeof(env, argv[5], &t);
  if (t != napi_null) {
    void *d; size_t n;
    if (napi_is_buffer(env, argv[5], &is_buf) != napi_ok || !is_buf || napi_get_buffer_info(env, argv[5], &d, &n) != napi_ok || (double)n != size) { bad = "start: body must be a Buffer of `size` bytes or null"; goto fail; }
    p->data = n ? d : (const uint8_t *)"";
    napi_create_reference(env, argv[5], 1, &p->body_ref);
  } else {
    if (file_fd < 0) { bad = "start: a body Buffer or a file descriptor is needed"; goto fail; }
    // body.ts's chunkBytes rule: a window, within [128 KiB, 1 MiB], in whole blocks (at least one).
    uint64_t want = (uint64_t)blksize * windowsize;
    if (want < 128 * 1024) want = 128 * 1024;
    if (want > 1024 * 1024) want = 1024 * 1024;
    size_t cap = (size_t)(want / blksize) * blksize;
    if (cap == 0) cap = blksize;
    p->chunk_cap = cap;
    p->chunk = malloc(cap);
    if (!p->chunk) { err = ENOMEM; goto fail; }
  }
  {
    bool is_ta;
    napi_typedarray_type tt;
    size_t n;
    void *d;
    if (napi_is_typedarray(env, argv[12], &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, argv[12], &tt, &n, &d, NULL, NULL) != napi_ok || tt != napi_float64_array || n < S_COUNT) {
      bad = "start: state must be a Float64Array";
      goto fail;
    }
    p->state = d;
    napi_create_reference(env, argv[12], 1, &p->state_ref);
  }
  p->recv_buf = malloc(RECV_BYTES);
  if (!p->recv_buf) { err = ENOMEM; goto fail; }

  p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (p->fd < 0) { err = errno; goto fail; }
  int one = 1;
  // The port is picked WITHOUT SO_REUSEADDR, so the kernel gives a port no other socket holds
  // (an autobind with SO_REUSEADDR may hand out a port other REUSEADDR sockets share, and two
  // transfers connected to the same client address:port would then split its ACKs). The flag
  // is set after the bind so the guard can join this port; the connected socket wins the
  // client's datagrams by the kernel's more specific match, the guard gets everyone else's.
  struct sockaddr_in bound;
  socklen_t blen = sizeof bound;
  if (bind(p->fd, (struct sockaddr *)&la, sizeof la) != 0 ||
      setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      connect(p->fd, (struct sockaddr *)&pa, sizeof pa) != 0 ||
      getsockname(p->fd, (struct sockaddr *)&bound, &blen) != 0) {
    err = errno;
    goto fail;
  }
  p->state[S_PORT] = ntohs(bound.sin_port);
  {
    // A send that cannot get buffer space for this long gives up the rest of its window.
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  napi_value name;
  napi_create_string_utf8(env, "tftp-pump", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[13], NULL, name, MAX_PENDING_EVENTS, 1, p, finalize_pump, p, call_js, &p->tsfn) != napi_ok) {
    bad = "start: onEvent must be a function";
    goto fail;
  }
  // From here the tsfn owns p (finalize_pump frees it). Everything that can fail comes before
  // the thread starts: once it runs, throwing would make JS close the file it reads.
  napi_value handle;
  if (napi_create_external(env, p, NULL, NULL, &handle) != napi_ok) {
    napi_release_threadsafe_function(p->tsfn, napi_tsfn_abort);
    return throw_errno(env, "start: external", ENOMEM);
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  int pe = pthread_create(&p->thread, &attr, thread_main, p);
  pthread_attr_destroy(&attr);
  if (pe != 0) {
    napi_release_threadsafe_function(p->tsfn, napi_tsfn_abort);
    return throw_errno(env, "start: thread", pe);
  }
  p->thread_started = 1;
  return handle;

fail:
  free_pump(env, p);
  if (bad) {
    napi_throw_type_error(env, "EPUMP", bad);
    return NULL;
  }
  return throw_errno(env, "start: socket", err);
}

// abort(handle, packet: Buffer, end: 'aborted' | 'illegal-op'): the thread sends `packet` and
// ends. Only the first abort counts. Call only before 'done' was delivered.
static napi_value abort_transfer(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pump_t *p;
  void *d;
  size_t n;
  char end[16];
  size_t slen;
  if (argc != 3 || napi_get_value_external(env, argv[0], (void **)&p) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &d, &n) != napi_ok || n == 0 || n > MAX_ABORT_PACKET ||
      napi_get_value_string_utf8(env, argv[2], end, sizeof end, &slen) != napi_ok) {
    napi_throw_type_error(env, "EPUMP", "abort: bad argument");
    return NULL;
  }
  int kind = strcmp(end, "illegal-op") == 0 ? END_ILLEGAL : END_ABORTED;
  int expected = 0;
  if (atomic_compare_exchange_strong(&p->abort_claimed, &expected, 1)) {
    memcpy(p->abort_pkt, d, n);
    p->abort_len = n;
    p->abort_end = kind;
    atomic_store_explicit(&p->aborting, 1, memory_order_release);
    // Wakes the thread wherever it waits: a recv() (it then sees `aborting`) or a verdict.
    wake(p);
    shutdown(p->fd, SHUT_RD);
  }
  return NULL;
}

// resume(handle): JS's verdict on the datagram it was handed: malformed, carry on.
static napi_value resume_transfer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pump_t *p;
  if (argc != 1 || napi_get_value_external(env, argv[0], (void **)&p) != napi_ok) {
    napi_throw_type_error(env, "EPUMP", "resume: bad argument");
    return NULL;
  }
  pthread_mutex_lock(&p->mu);
  p->answered = p->posted;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

// classify(Buffer) -> 'ack' | 'error' | 'other': the thread's fast path, exported for the
// differential fuzz target against packet.ts.
static napi_value classify_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *d;
  size_t n;
  if (argc != 1 || napi_get_buffer_info(env, argv[0], &d, &n) != napi_ok) {
    napi_throw_type_error(env, "EPUMP", "classify: a Buffer expected");
    return NULL;
  }
  uint16_t num = 0;
  size_t msg_end = 0;
  enum kind k = n == 0 ? K_OTHER : classify(d, n, &num, &msg_end);
  napi_value out;
  napi_create_string_utf8(env, k == K_ACK ? "ack" : k == K_ERROR ? "error" : "other", NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "start", NULL, start, NULL, NULL, NULL, napi_default, NULL },
    { "abort", NULL, abort_transfer, NULL, NULL, NULL, napi_default, NULL },
    { "resume", NULL, resume_transfer, NULL, NULL, NULL, napi_default, NULL },
    { "classify", NULL, classify_js, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value n;
  napi_create_uint32(env, S_COUNT, &n);
  napi_set_named_property(env, exports, "stateSize", n);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
