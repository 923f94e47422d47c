/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bad input on purpose (tunlab inject): datagrams that a tunnel endpoint
 * must drop, each kind aimed at one check of the receive path
 * (docs/wire-format.md, "Receive order"), so that tests, labs and the
 * tracer's fault tests can watch the drop being counted while the tunnel
 * goes on carrying traffic.
 *
 *   kind             what is sent                          dropped as
 *   garbage          random bytes, random lengths          short, bad opcode...
 *   truncated        a P_DATA_V2 header cut short          short
 *   bad-opcode       opcode other than P_DATA_V2           bad opcode
 *   bad-key-id       a key-id that is not live             unknown key-id
 *   unknown-peer     a peer-id no client has               unknown peer-id
 *   bitflip          a captured datagram, one bit flipped  bad tag
 *   replay           a captured datagram, sent again       replay
 *   spoof-source     an inner packet from a foreign source spoofed source
 *   unknown-address  a known peer-id from an unknown port  bad tag, no float
 *
 * Every datagram leaves from a UDP socket of its own (so from a port the
 * endpoint does not know); spoof-source instead writes an IP packet with a
 * raw socket, which the kernel routes into the tun, so that the host's own
 * daemon encrypts it.  The capture kinds read the host's wire with an
 * AF_PACKET socket for a bounded time.  IPv4 only, as the lab's wires.
 */
#ifndef TUNLAB_INJECT_H
#define TUNLAB_INJECT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define INJECT_ERRBUF		256
#define INJECT_MAX_COUNT	100000
#define INJECT_MAX_DATAGRAM	65507	/* the largest UDP payload (IPv4) */
#define INJECT_BODY_LEN		40	/* "ciphertext" after a forged header */
#define INJECT_DISCARD_PORT	9	/* nudge and spoof-source go there */
#define INJECT_EXPECT_MAX	8	/* distinct drop reasons tallied */

enum inject_kind {
	INJECT_GARBAGE,
	INJECT_TRUNCATED,
	INJECT_BAD_OPCODE,
	INJECT_BAD_KEY_ID,
	INJECT_UNKNOWN_PEER,
	INJECT_BITFLIP,
	INJECT_REPLAY,
	INJECT_SPOOF_SOURCE,
	INJECT_UNKNOWN_ADDRESS,
	INJECT_KIND_MAX
};

/* What a kind needs. */
#define INJECT_CAPTURE	0x01	/* a real datagram from the wire */
#define INJECT_LIVE_KEY	0x02	/* the live key-id (learned by capture) */
#define INJECT_INNER	0x04	/* goes through the tunnel, not at it */

struct inject_kind_info {
	const char *name;
	const char *help;	/* one sentence, for --help */
	unsigned int reason;	/* the receiver's drop reason (enum
				 * tunnel_drop), or INJECT_REASONS */
	unsigned int count;	/* datagrams sent by default */
	unsigned int needs;	/* INJECT_CAPTURE... */
};

#define INJECT_REASONS	0xffff	/* garbage: several, by its bytes */

/* The row of a kind, or NULL. */
const struct inject_kind_info *inject_kind(enum inject_kind kind);
/* The name of the drop reason the receiver counts a kind as (as in its
 * status file: tunnel_drop_name()). */
const char *inject_drop_name(const struct inject_kind_info *k);
/* The kind called name; -EINVAL if there is none. */
int inject_kind_parse(const char *name, enum inject_kind *kind);

struct inject_cfg {
	enum inject_kind kind;
	struct sockaddr_in to;		/* the endpoint's UDP address */
	uint32_t peer_id;		/* one the endpoint knows */
	int key_id;			/* the live key-id, -1: learn it */
	long forced_peer_id;		/* write this one instead (-1: no) */
	int forced_key_id;		/* write this one instead (-1: no) */
	unsigned int count;		/* 0: the kind's default */
	long at;			/* bitflip: byte offset, -1: the
					 * first ciphertext byte */
	uint32_t seed;			/* random bytes and lengths */
	int wait_ms;			/* capture: at most this long */
	unsigned int after;		/* capture: let this many more of the
					 * host's datagrams go by first */
	struct in_addr nudge;		/* capture: send a UDP datagram to
					 * this tunnel address first, so
					 * there is one (0: do not) */
	struct in_addr inner_src;	/* spoof-source: the forged source */
	struct in_addr inner_dst;	/* and the destination */
	FILE *out;			/* a line per datagram, or NULL */
};

struct inject_result {
	unsigned int sent;		/* datagrams (or inner packets) */
	size_t bytes, min_len, max_len;
	uint16_t src_port;		/* the port they left from */
	int key_id;			/* the live key-id learned, or -1 */
	size_t captured_len;		/* capture: the datagram's length */
	uint32_t behind;		/* capture: how far newer packet-ids
					 * got past it meanwhile */
	struct {
		const char *reason;	/* a drop reason's name */
		unsigned int n;		/* datagrams expected to get it */
	} expect[INJECT_EXPECT_MAX];	/* in the order first expected */
	int nexpect;
};

/* Fill cfg with the defaults: no target, key-id to learn, the kind's
 * count, wait 3 s. */
void inject_cfg_init(struct inject_cfg *cfg);

/*
 * Build datagram i (from 0) of a forging kind (not bitflip, replay or
 * spoof-source) into buf of size room; returns its length and the header
 * fields it describes in *desc (at most n bytes).  rng is the state of the
 * random generator, advanced.  Pure: no I/O, for tests.
 */
size_t inject_build(const struct inject_cfg *cfg, unsigned int i,
		    uint32_t *rng, uint8_t *buf, size_t room, char *desc,
		    size_t n);

/* Send cfg->count datagrams of cfg->kind.  0, or a negative errno with the
 * reason in err (INJECT_ERRBUF bytes). */
int inject_run(const struct inject_cfg *cfg, struct inject_result *res,
	       char *err);

#endif
