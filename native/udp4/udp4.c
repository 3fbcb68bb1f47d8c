// A UDP/IPv4 socket for Node.js with the two things node:dgram cannot do:
//   - receive: IP_PKTINFO tells on which interface a datagram arrived and to which
//     destination address it was sent (255.255.255.255, a subnet broadcast, ours);
//   - send: an IP_PKTINFO control message picks the outgoing interface and the source
//     address, so a broadcast reply leaves by the interface the request came in on.
// Plus SO_BINDTODEVICE, and the same socket for ICMP echo (ping before a DHCP offer):
// a Linux ping socket (SOCK_DGRAM, IPPROTO_ICMP) where net.ipv4.ping_group_range
// allows it, else a raw ICMP socket (needs CAP_NET_RAW) filtered to echo replies,
// whose IP header is cut off here so both deliver the bare ICMP message.
// Everything else stays in TypeScript: src/runtime/udp4-socket.ts is the only
// caller, and docs/native.md explains the design.
//
// Reading: the non-blocking socket is watched by a libuv poll handle on Node's own
// loop; when it is readable, recvmmsg drains it in batches of BATCH datagrams. Each
// batch reaches JavaScript in one call: (count, data, meta) where data is a new Buffer
// holding the batch's datagrams back to back and meta (a Uint32Array owned by the
// wrapper) holds META numbers per datagram. Datagrams longer than the receive slot
// (MSG_TRUNC) are dropped and counted, never delivered cut.
//
// Lifetime: one udp4_t per socket, no global state. It is freed only when both the
// libuv handle has closed and the JS external that points at it has been finalized.
// While the socket is open a strong reference keeps the external alive.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define BATCH 64       // datagrams per recvmmsg call
#define MAX_BATCHES 4  // recvmmsg calls per readiness event before yielding to the loop (256 datagrams)
#define META 5         // per datagram in meta: length, from, fromPort, ifindex, to

enum {
  ST_RECEIVED,
  ST_SENT,
  ST_SEND_WOULD_BLOCK,
  ST_SEND_ERRORS,
  ST_TRUNCATED,
  ST_RECV_ERRORS,
  ST_LAST_SEND_ERRNO,
  ST_LAST_RECV_ERRNO,
  ST_COUNT
};

enum { KIND_UDP, KIND_ICMP, KIND_ICMP_RAW };

// From <linux/icmp.h>, which cannot be included beside <net/if.h> (both define struct ifreq).
#define RAW_ICMP_FILTER 1  // SOL_RAW option: bit n set = drop ICMP type n
#define ICMP_TYPE_ECHO_REPLY 0
static const char *const kind_names[] = {"udp", "icmp", "icmp-raw"};

typedef union {
  struct cmsghdr align;
  char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
} pktinfo_cmsg;

typedef struct {
  napi_env env;
  uv_poll_t poll;
  int fd;
  int closed;         // no more reads; sends fail with EBADF
  int handle_closed;  // libuv's close callback ran
  int finalized;      // the JS external was garbage collected (or the env torn down)
  int teardown;       // closed by the environment's cleanup hook: no more N-API calls
  int kind;           // KIND_UDP, KIND_ICMP (ping socket) or KIND_ICMP_RAW (datagrams start with the IP header)
  napi_ref self;      // strong while open
  napi_ref callback;  // function (count, data, meta)
  napi_ref meta;      // Uint32Array(BATCH * META)
  napi_async_context async;
  size_t slot;        // receive slot size = largest datagram delivered
  unsigned char *bufs;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in peers[BATCH];
  pktinfo_cmsg ctrl[BATCH];
  double stats[ST_COUNT];
} udp4_t;

// ---- errors -----------------------------------------------------------------

static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  if (name != NULL) return name;
#endif
  (void)err;
  return "EUNKNOWN";
}

// Throws Error("udp4: <call>: <strerror> (<ENAME>)") with .code, .errno and .syscall.
static void throw_errno(napi_env env, const char *syscall, const char *detail, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "udp4: %s%s%s: %s (%s)", syscall, detail[0] ? " " : "", detail, strerror(err),
           errno_name(err));
  napi_value code, text, error, num, call;
  if (napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok ||
      napi_create_error(env, code, text, &error) != napi_ok) {
    napi_throw_error(env, NULL, msg);
    return;
  }
  if (napi_create_int32(env, -err, &num) == napi_ok) napi_set_named_property(env, error, "errno", num);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call) == napi_ok)
    napi_set_named_property(env, error, "syscall", call);
  napi_throw(env, error);
}

// After a failed N-API call: leave a pending JS exception alone, else throw one naming the call.
static void throw_napi(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  char msg[256];
  snprintf(msg, sizeof msg, "udp4: %s failed: %s", what,
           info != NULL && info->error_message != NULL ? info->error_message : "N-API error");
  napi_throw_error(env, NULL, msg);
}

#define CHECK(call)                  \
  do {                               \
    if ((call) != napi_ok) {         \
      throw_napi(env, #call);        \
      return NULL;                   \
    }                                \
  } while (0)

// ---- helpers ----------------------------------------------------------------

static napi_value number(napi_env env, double v) {
  napi_value out = NULL;
  if (napi_create_double(env, v, &out) != napi_ok) throw_napi(env, "napi_create_double");
  return out;
}

// The socket behind an external, or NULL with a pending TypeError.
static udp4_t *unwrap(napi_env env, napi_value handle) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, handle, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, handle, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "udp4: not a socket handle");
    return NULL;
  }
  return data;
}

static void free_socket(udp4_t *s) {
  free(s->bufs);
  free(s);
}

// libuv has let go of the poll handle: release the N-API side, free if JS let go too.
static void on_handle_closed(uv_handle_t *handle) {
  udp4_t *s = handle->data;
  s->handle_closed = 1;
  if (!s->teardown) {
    napi_env env = s->env;
    napi_async_destroy(env, s->async);
    napi_delete_reference(env, s->callback);
    napi_delete_reference(env, s->meta);
    napi_delete_reference(env, s->self);  // the external may now be collected
  }
  if (s->finalized) free_socket(s);
}

static void on_env_teardown(void *arg);

// Stops polling and releases the fd at once (the port is free on return); the
// N-API references go in on_handle_closed, on a later turn of the loop, so this is
// safe while a callback of this very socket is running.
static void close_socket(udp4_t *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_handle_closed);
  close(s->fd);
  s->fd = -1;
  if (!s->teardown) napi_remove_env_cleanup_hook(s->env, on_env_teardown, s);
}

// The environment (main thread or a worker) is going away with the socket open.
static void on_env_teardown(void *arg) {
  udp4_t *s = arg;
  s->teardown = 1;
  close_socket(s);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  udp4_t *s = data;
  s->finalized = 1;
  if (s->handle_closed) free_socket(s);
}

// open() failed after the external was made: release what exists; the finalizer frees.
static void abandon(udp4_t *s) {
  napi_env env = s->env;
  if (s->poll.data == s) {  // the poll handle exists: libuv closes it, then on_handle_closed releases
    close_socket(s);
    return;
  }
  s->closed = 1;
  s->handle_closed = 1;
  close(s->fd);
  s->fd = -1;
  if (s->async != NULL) napi_async_destroy(env, s->async);
  if (s->callback != NULL) napi_delete_reference(env, s->callback);
  if (s->meta != NULL) napi_delete_reference(env, s->meta);
  if (s->self != NULL) napi_delete_reference(env, s->self);
}

// ---- receiving --------------------------------------------------------------

// One recvmmsg: returns how many datagrams it read (0 when none or on error).
static int read_batch(udp4_t *s) {
  for (int i = 0; i < BATCH; i++) {
    struct msghdr *h = &s->msgs[i].msg_hdr;
    s->iov[i].iov_base = s->bufs + (size_t)i * s->slot;
    s->iov[i].iov_len = s->slot;
    h->msg_name = &s->peers[i];
    h->msg_namelen = sizeof s->peers[i];
    h->msg_iov = &s->iov[i];
    h->msg_iovlen = 1;
    h->msg_control = s->ctrl[i].buf;
    h->msg_controllen = sizeof s->ctrl[i].buf;
    h->msg_flags = 0;
    s->msgs[i].msg_len = 0;
  }
  int n;
  do n = recvmmsg(s->fd, s->msgs, BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      s->stats[ST_RECV_ERRORS]++;
      s->stats[ST_LAST_RECV_ERRNO] = errno;
    }
    return 0;
  }
  return n;
}

// A raw socket's datagram starts with the IPv4 header: skip it (by its IHL), so
// JavaScript sees the ICMP message as from a ping socket. A datagram too short for
// its header is flagged truncated and dropped.
static void strip_ip_header(udp4_t *s, int i) {
  unsigned char *p = s->iov[i].iov_base;
  size_t len = s->msgs[i].msg_len;
  size_t ihl = len > 0 ? (size_t)(p[0] & 0x0f) * 4 : 0;
  if (len == 0 || ihl < 20 || ihl > len) {
    s->msgs[i].msg_hdr.msg_flags |= MSG_TRUNC;
    return;
  }
  s->iov[i].iov_base = p + ihl;
  s->msgs[i].msg_len = (unsigned)(len - ihl);
}

// Hands the n datagrams just read to JavaScript in one call.
static void deliver(udp4_t *s, int n) {
  napi_env env = s->env;
  uint32_t *meta = NULL;
  size_t meta_len = 0;
  napi_typedarray_type type;
  napi_value meta_value, fn, data, argv[3], global;
  if (napi_get_reference_value(env, s->meta, &meta_value) != napi_ok ||
      napi_get_typedarray_info(env, meta_value, &type, &meta_len, (void **)&meta, NULL, NULL) != napi_ok ||
      type != napi_uint32_array || meta_len < (size_t)BATCH * META ||
      napi_get_reference_value(env, s->callback, &fn) != napi_ok)
    return;

  size_t total = 0;
  uint32_t count = 0;
  for (int i = 0; i < n; i++) {
    struct msghdr *h = &s->msgs[i].msg_hdr;
    if (s->kind == KIND_ICMP_RAW) strip_ip_header(s, i);
    if (h->msg_flags & MSG_TRUNC) {
      s->stats[ST_TRUNCATED]++;
      continue;
    }
    uint32_t ifindex = 0, to = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        ifindex = (uint32_t)pi.ipi_ifindex;
        to = ntohl(pi.ipi_addr.s_addr);
      }
    }
    uint32_t *m = meta + (size_t)count * META;
    m[0] = s->msgs[i].msg_len;
    m[1] = ntohl(s->peers[i].sin_addr.s_addr);
    m[2] = ntohs(s->peers[i].sin_port);
    m[3] = ifindex;
    m[4] = to;
    total += s->msgs[i].msg_len;
    count++;
  }
  if (count == 0) return;
  s->stats[ST_RECEIVED] += count;

  unsigned char *out = NULL;
  if (napi_create_buffer(env, total, (void **)&out, &data) != napi_ok) return;
  for (int i = 0; i < n; i++) {
    if (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
    memcpy(out, s->iov[i].iov_base, s->msgs[i].msg_len);
    out += s->msgs[i].msg_len;
  }
  if (napi_create_uint32(env, count, &argv[0]) != napi_ok || napi_get_global(env, &global) != napi_ok) return;
  argv[1] = data;
  argv[2] = meta_value;
  if (napi_make_callback(env, s->async, global, fn, 3, argv, NULL) != napi_ok) {
    // The callback threw: report it as an uncaught exception, like an event handler's.
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  udp4_t *s = handle->data;
  if (s->closed) return;
  if (status < 0) {
    s->stats[ST_RECV_ERRORS]++;
    s->stats[ST_LAST_RECV_ERRNO] = -status;
    return;
  }
  for (int round = 0; round < MAX_BATCHES && !s->closed; round++) {
    int n = read_batch(s);
    if (n == 0) break;
    napi_handle_scope scope;
    if (napi_open_handle_scope(s->env, &scope) != napi_ok) break;
    deliver(s, n);
    napi_close_handle_scope(s->env, scope);
    if (n < BATCH) break;  // drained: the poll handle tells us when more arrives
  }
}

// ---- exported functions -----------------------------------------------------

static int setopt(napi_env env, int fd, int level, int name, const void *value, socklen_t len, const char *what,
                  const char *detail) {
  if (setsockopt(fd, level, name, value, len) == 0) return 0;
  throw_errno(env, what, detail, errno);
  return -1;
}

// An ICMP socket: a ping socket when the kernel lets this process open one, else raw
// (CAP_NET_RAW) with a filter that passes echo replies only. -1 with errno on failure.
static int open_icmp(int *kind) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd >= 0) {
    *kind = KIND_ICMP;
    return fd;
  }
  fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) return -1;
  uint32_t filter = ~(1U << ICMP_TYPE_ECHO_REPLY);
  if (setsockopt(fd, SOL_RAW, RAW_ICMP_FILTER, &filter, sizeof filter) < 0) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  *kind = KIND_ICMP_RAW;
  return fd;
}

// open(port, address, broadcast, reuseAddr, recvBufferBytes, sendBufferBytes, device, slotBytes, callback, meta, icmp)
// -> external. address is a u32 in host order; buffer sizes 0 = kernel default; device "" = none;
// icmp true = an ICMP socket (see open_icmp; port must be 0).
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 11) {
    napi_throw_type_error(env, NULL, "udp4: open takes 11 arguments");
    return NULL;
  }
  uint32_t port, address, rcvbuf, sndbuf, slot;
  bool broadcast, reuse, icmp;
  char device[IFNAMSIZ + 1];
  size_t device_len = 0;
  CHECK(napi_get_value_uint32(env, argv[0], &port));
  CHECK(napi_get_value_uint32(env, argv[1], &address));
  CHECK(napi_get_value_bool(env, argv[2], &broadcast));
  CHECK(napi_get_value_bool(env, argv[3], &reuse));
  CHECK(napi_get_value_uint32(env, argv[4], &rcvbuf));
  CHECK(napi_get_value_uint32(env, argv[5], &sndbuf));
  CHECK(napi_get_value_string_utf8(env, argv[6], device, sizeof device, &device_len));
  CHECK(napi_get_value_uint32(env, argv[7], &slot));
  CHECK(napi_get_value_bool(env, argv[10], &icmp));
  if ((icmp && port != 0) || port > 65535 || slot == 0 || slot > 65535 || device_len >= IFNAMSIZ) {
    napi_throw_range_error(env, NULL, "udp4: port, slot size or device name out of range");
    return NULL;
  }

  udp4_t *s = calloc(1, sizeof *s);
  if (s != NULL) s->bufs = malloc((size_t)BATCH * slot);
  if (s == NULL || s->bufs == NULL) {
    if (s != NULL) free(s);
    napi_throw_error(env, "ENOMEM", "udp4: out of memory");
    return NULL;
  }
  s->env = env;
  s->slot = slot;
  s->kind = KIND_UDP;
  s->fd = icmp ? open_icmp(&s->kind) : socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    throw_errno(env, "socket", icmp ? "AF_INET IPPROTO_ICMP (ping socket or raw: needs net.ipv4.ping_group_range or CAP_NET_RAW)" : "AF_INET SOCK_DGRAM", errno);
    free_socket(s);
    return NULL;
  }

  int one = 1;
  int size;
  char where[32];
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(address)};
  snprintf(where, sizeof where, "%u.%u.%u.%u:%u", address >> 24, (address >> 16) & 255, (address >> 8) & 255,
           address & 255, port);
  if (setopt(env, s->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one, "setsockopt", "IP_PKTINFO") < 0) goto fail;
  if (broadcast && setopt(env, s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one, "setsockopt", "SO_BROADCAST") < 0)
    goto fail;
  if (reuse && setopt(env, s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one, "setsockopt", "SO_REUSEADDR") < 0)
    goto fail;
  size = (int)rcvbuf;
  if (rcvbuf > 0 && setopt(env, s->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size, "setsockopt", "SO_RCVBUF") < 0)
    goto fail;
  size = (int)sndbuf;
  if (sndbuf > 0 && setopt(env, s->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size, "setsockopt", "SO_SNDBUF") < 0)
    goto fail;
  char detail[IFNAMSIZ + 32];
  snprintf(detail, sizeof detail, "SO_BINDTODEVICE \"%s\"", device);
  if (device_len > 0 &&
      setopt(env, s->fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)device_len + 1, "setsockopt", detail) < 0)
    goto fail;
  if (bind(s->fd, (struct sockaddr *)&local, sizeof local) < 0) {
    throw_errno(env, "bind", where, errno);
    goto fail;
  }

  napi_value external, name;
  uv_loop_t *loop = NULL;
  if (napi_create_external(env, s, on_finalize, NULL, &external) != napi_ok) {
    throw_napi(env, "napi_create_external");
    goto fail;
  }
  // From here on the finalizer owns s: failures abandon the socket instead of freeing it.
  if (napi_create_reference(env, external, 1, &s->self) != napi_ok ||
      napi_create_reference(env, argv[8], 1, &s->callback) != napi_ok ||
      napi_create_reference(env, argv[9], 1, &s->meta) != napi_ok ||
      napi_create_string_utf8(env, "Udp4Socket", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &s->async) != napi_ok || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    throw_napi(env, "open: N-API setup");
    abandon(s);
    return NULL;
  }
  int rc = uv_poll_init(loop, &s->poll, s->fd);
  if (rc != 0) {
    throw_errno(env, "uv_poll_init", where, -rc);
    abandon(s);
    return NULL;
  }
  s->poll.data = s;
  if (napi_add_env_cleanup_hook(env, on_env_teardown, s) != napi_ok) {
    throw_napi(env, "napi_add_env_cleanup_hook");
    abandon(s);
    return NULL;
  }
  rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    throw_errno(env, "uv_poll_start", where, -rc);
    close_socket(s);
    return NULL;
  }
  return external;

fail:
  close(s->fd);
  free_socket(s);
  return NULL;
}

// kind(handle) -> "udp", "icmp" (ping socket) or "icmp-raw"
static napi_value js_kind(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp4_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  CHECK(napi_create_string_utf8(env, kind_names[s->kind], NAPI_AUTO_LENGTH, &out));
  return out;
}

// localPort(handle) -> number (getsockname)
static napi_value js_local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp4_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->closed) return number(env, 0);
  struct sockaddr_in local;
  socklen_t len = sizeof local;
  if (getsockname(s->fd, (struct sockaddr *)&local, &len) < 0) {
    throw_errno(env, "getsockname", "", errno);
    return NULL;
  }
  return number(env, ntohs(local.sin_port));
}

// Counts one send outcome: 0, or the errno (EAGAIN, ENOBUFS: would block; anything else: error).
static void count_send(udp4_t *s, int err) {
  if (err == 0) {
    s->stats[ST_SENT]++;
  } else if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
    s->stats[ST_SEND_WOULD_BLOCK]++;
  } else {
    s->stats[ST_SEND_ERRORS]++;
    s->stats[ST_LAST_SEND_ERRNO] = err;
  }
}

// send(handle, buffer, to, port, ifindex, from) -> 0 when sent, else the errno.
// Never throws for a kernel error: EAGAIN and the rest are counted and returned.
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp4_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  void *data = NULL;
  size_t len = 0;
  uint32_t to, port, ifindex, from;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &len));
  CHECK(napi_get_value_uint32(env, argv[2], &to));
  CHECK(napi_get_value_uint32(env, argv[3], &port));
  CHECK(napi_get_value_uint32(env, argv[4], &ifindex));
  CHECK(napi_get_value_uint32(env, argv[5], &from));

  int err = 0;
  if (s->closed) {
    err = EBADF;
  } else {
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(to)};
    struct iovec iov = {.iov_base = data, .iov_len = len};
    struct msghdr msg = {.msg_name = &dst, .msg_namelen = sizeof dst, .msg_iov = &iov, .msg_iovlen = 1};
    pktinfo_cmsg ctrl;
    if (ifindex != 0 || from != 0) {
      memset(&ctrl, 0, sizeof ctrl);
      msg.msg_control = ctrl.buf;
      msg.msg_controllen = sizeof ctrl.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
      struct in_pktinfo pi = {.ipi_ifindex = (int)ifindex, .ipi_spec_dst.s_addr = htonl(from)};
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
    ssize_t r;
    do r = sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0) err = errno;
  }
  count_send(s, err);
  return number(env, err);
}

// ---- batch send ---------------------------------------------------------------

#define SEND_BATCH 64  // datagrams per sendmmsg call
#define SEND_META 6    // per datagram in sendBatch's meta: length, to, port, ifindex, from, result (errno out)

// Sends meta's count datagrams, laid back to back in data, with as few sendmmsg calls as the
// kernel allows: each datagram is tried once, in order, and its errno (0 when sent) is written
// to its result field. A datagram the kernel refuses is counted and skipped, the rest still go.
static uint32_t send_batch(udp4_t *s, const unsigned char *data, size_t len, uint32_t *meta, uint32_t count) {
  struct mmsghdr msgs[SEND_BATCH];
  struct iovec iov[SEND_BATCH];
  struct sockaddr_in dst[SEND_BATCH];
  pktinfo_cmsg ctrl[SEND_BATCH];
  uint32_t sent = 0, done = 0;
  size_t offset = 0;
  while (done < count) {
    // Lay out up to SEND_BATCH messages starting at datagram `done`.
    uint32_t n = 0;
    size_t at = offset;
    for (; n < SEND_BATCH && done + n < count; n++) {
      uint32_t *m = meta + (size_t)(done + n) * SEND_META;
      struct msghdr *h = &msgs[n].msg_hdr;
      memset(h, 0, sizeof *h);
      dst[n] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)m[2]), .sin_addr.s_addr = htonl(m[1])};
      iov[n].iov_base = (void *)(data + at);
      iov[n].iov_len = m[0] <= len - at ? m[0] : len - at;
      at += iov[n].iov_len;
      h->msg_name = &dst[n];
      h->msg_namelen = sizeof dst[n];
      h->msg_iov = &iov[n];
      h->msg_iovlen = 1;
      if (m[3] != 0 || m[4] != 0) {
        memset(&ctrl[n], 0, sizeof ctrl[n]);
        h->msg_control = ctrl[n].buf;
        h->msg_controllen = sizeof ctrl[n].buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(h);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
        struct in_pktinfo pi = {.ipi_ifindex = (int)m[3], .ipi_spec_dst.s_addr = htonl(m[4])};
        memcpy(CMSG_DATA(c), &pi, sizeof pi);
      }
    }
    int r = -1, err = EBADF;
    if (!s->closed) {
      do r = sendmmsg(s->fd, msgs, n, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (r < 0 && errno == EINTR);
      err = r < 0 ? errno : 0;
    }
    // r > 0: the first r went (a later one's error, if any, is lost: it is retried next round).
    // r < 0: the first one failed with err; it is counted and skipped.
    uint32_t took = r > 0 ? (uint32_t)r : 1;
    for (uint32_t i = 0; i < took; i++) {
      uint32_t *m = meta + (size_t)(done + i) * SEND_META;
      m[5] = r > 0 ? 0 : (uint32_t)err;
      count_send(s, (int)m[5]);
      offset += iov[i].iov_len;
    }
    if (r > 0) sent += took;
    done += took;
  }
  return sent;
}

// sendBatch(handle, buffer, meta, count) -> how many were sent. meta (Uint32Array) holds SEND_META
// numbers per datagram; the datagrams are back to back in buffer. Never throws for a kernel error:
// each datagram's errno (0 = sent) is written to its result field and counted.
static napi_value js_send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp4_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  void *data = NULL, *meta = NULL;
  size_t len = 0, meta_len = 0;
  napi_typedarray_type type;
  uint32_t count;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &len));
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &meta_len, &meta, NULL, NULL));
  CHECK(napi_get_value_uint32(env, argv[3], &count));
  if (type != napi_uint32_array || meta_len < (size_t)count * SEND_META) {
    napi_throw_range_error(env, NULL, "udp4: sendBatch meta must be a Uint32Array of count * sendMetaFields");
    return NULL;
  }
  return number(env, send_batch(s, data, len, meta, count));
}

// stats(handle) -> [received, sent, sendWouldBlock, sendErrors, truncated, recvErrors, lastSendErrno, lastRecvErrno]
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp4_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  CHECK(napi_create_array_with_length(env, ST_COUNT, &out));
  for (uint32_t i = 0; i < ST_COUNT; i++) {
    napi_value v = number(env, s->stats[i]);
    if (v == NULL) return NULL;
    CHECK(napi_set_element(env, out, i, v));
  }
  return out;
}

// bufferSizes(handle) -> [SO_RCVBUF, SO_SNDBUF] as the kernel reports them (it doubles requests).
static napi_value js_buffer_sizes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp4_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  CHECK(napi_create_array_with_length(env, 2, &out));
  const int names[2] = {SO_RCVBUF, SO_SNDBUF};
  for (uint32_t i = 0; i < 2; i++) {
    int size = 0;
    socklen_t len = sizeof size;
    if (!s->closed && getsockopt(s->fd, SOL_SOCKET, names[i], &size, &len) < 0) {
      throw_errno(env, "getsockopt", i == 0 ? "SO_RCVBUF" : "SO_SNDBUF", errno);
      return NULL;
    }
    napi_value v = number(env, size);
    if (v == NULL) return NULL;
    CHECK(napi_set_element(env, out, i, v));
  }
  return out;
}

// close(handle): idempotent.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  udp4_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  close_socket(s);
  return NULL;
}

// interfaceIndex(name) -> ifindex, 0 when there is no such interface.
static napi_value js_interface_index(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1];
  char name[IFNAMSIZ + 1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  return number(env, len >= IFNAMSIZ ? 0 : if_nametoindex(name));
}

// interfaceName(ifindex) -> name, or undefined when there is no such interface.
static napi_value js_interface_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out = NULL;
  uint32_t index;
  char name[IF_NAMESIZE];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_uint32(env, argv[0], &index));
  if (if_indextoname(index, name) == NULL) return NULL;
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out));
  return out;
}

// lockFile(path) -> fd. Opens (creating, mode 0644) path and takes an exclusive flock on it
// without waiting: one process per lease directory. Throws with code EWOULDBLOCK when
// another process holds it. The kernel drops the lock when the fd is closed or the
// process dies, SIGKILL included, so a crash never leaves a stale lock behind.
static napi_value js_lock_file(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1];
  char path[4097];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len));
  if (len == 0 || len >= sizeof path - 1) {
    napi_throw_range_error(env, NULL, "udp4: lockFile path must be 1 to 4095 bytes");
    return NULL;
  }
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw_errno(env, "open", path, errno);
    return NULL;
  }
  int rc;
  do rc = flock(fd, LOCK_EX | LOCK_NB);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "flock", path, err);
    return NULL;
  }
  return number(env, fd);
}

static napi_value init(napi_env env, napi_value exports) {
  const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"open", js_open},         {"localPort", js_local_port},          {"send", js_send},
      {"stats", js_stats},       {"bufferSizes", js_buffer_sizes},      {"close", js_close},
      {"interfaceIndex", js_interface_index}, {"interfaceName", js_interface_name}, {"kind", js_kind},
      {"sendBatch", js_send_batch}, {"lockFile", js_lock_file},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    CHECK(napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn));
    CHECK(napi_set_named_property(env, exports, fns[i].name, fn));
  }
  napi_value batch, meta;
  CHECK(napi_create_uint32(env, BATCH, &batch));
  CHECK(napi_create_uint32(env, META, &meta));
  CHECK(napi_set_named_property(env, exports, "batch", batch));
  CHECK(napi_set_named_property(env, exports, "metaFields", meta));
  napi_value send_meta;
  CHECK(napi_create_uint32(env, SEND_META, &send_meta));
  CHECK(napi_set_named_property(env, exports, "sendMetaFields", send_meta));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
