// SPDX-License-Identifier: GPL-2.0-only
/* The server's peer table: see peers.h. */
#include <string.h>

#include "peers.h"

#define MAX_MACS (ADDR_MAP_SLOTS / 4)

enum key_kind {
	KEY_V4 = 1,
	KEY_V6,
	KEY_MAC,
};

const char *peer_verdict_name(enum peer_verdict v)
{
	static const char *const names[] = {
		[PEER_OK] = "ok",
		[PEER_NO_ROUTE] = "no such client",
		[PEER_SPOOFED] = "spoofed source",
		[PEER_MALFORMED] = "malformed inner packet",
	};

	return (unsigned int)v < sizeof(names) / sizeof(names[0]) ?
	       names[v] : "?";
}

void peers_init(struct peer_table *t)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < PEERS_MAX; i++)
		t->peers[i].id = i;
}

/* A map key: the kind, then the address or MAC, zero-padded. */
static void make_key(uint8_t key[17], enum key_kind kind, const uint8_t *v)
{
	size_t len = kind == KEY_V4 ? 4 : kind == KEY_V6 ? 16 : 6;

	memset(key, 0, 17);
	key[0] = (uint8_t)kind;
	memcpy(key + 1, v, len);
}

/* FNV-1a over the key: the slot a probe starts at. */
static unsigned int slot_of(const uint8_t key[17])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 17; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h & (ADDR_MAP_SLOTS - 1);
}

/* The slot holding key, or NULL. */
static struct addr_slot *map_find(struct peer_table *t, const uint8_t key[17])
{
	unsigned int i = slot_of(key);

	for (unsigned int n = 0; n < ADDR_MAP_SLOTS; n++) {
		struct addr_slot *s = &t->map[(i + n) & (ADDR_MAP_SLOTS - 1)];

		if (!s->key[0] && !s->deleted)
			return NULL;
		if (s->key[0] && memcmp(s->key, key, 17) == 0)
			return s;
	}
	return NULL;
}

/* Bind key to peer (replacing an earlier binding); -1 if the map is full. */
static int map_put(struct peer_table *t, const uint8_t key[17], uint16_t peer)
{
	struct addr_slot *s = map_find(t, key);
	unsigned int i = slot_of(key);

	if (s) {
		s->peer = peer;
		return 0;
	}
	for (unsigned int n = 0; n < ADDR_MAP_SLOTS; n++) {
		s = &t->map[(i + n) & (ADDR_MAP_SLOTS - 1)];
		if (!s->key[0]) {
			memcpy(s->key, key, 17);
			s->deleted = 0;
			s->peer = peer;
			return 0;
		}
	}
	return -1;
}

/* The peer bound to (kind, v), or NULL. */
static struct peer *lookup(struct peer_table *t, enum key_kind kind,
			   const uint8_t *v)
{
	uint8_t key[17];
	struct addr_slot *s;

	make_key(key, kind, v);
	s = map_find(t, key);
	return s && t->peers[s->peer].used ? &t->peers[s->peer] : NULL;
}

struct peer *peers_add(struct peer_table *t, uint32_t id, const char *name,
		       const uint8_t addr4[4], const uint8_t addr6[16])
{
	uint8_t key[17];
	struct peer *p;

	/* Peer-id 0 stays free: a zeroed header never names a real peer. */
	if (id == 0 || id >= PEERS_MAX || t->peers[id].used)
		return NULL;
	p = &t->peers[id];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->used = true;
	strncpy(p->name, name, sizeof(p->name) - 1);
	if (addr4) {
		memcpy(p->addr4, addr4, 4);
		p->has4 = true;
		make_key(key, KEY_V4, addr4);
		map_put(t, key, (uint16_t)p->id);
	}
	if (addr6) {
		memcpy(p->addr6, addr6, 16);
		p->has6 = true;
		make_key(key, KEY_V6, addr6);
		map_put(t, key, (uint16_t)p->id);
	}
	return p;
}

void peers_remove(struct peer_table *t, struct peer *p)
{
	for (unsigned int i = 0; i < ADDR_MAP_SLOTS; i++) {
		struct addr_slot *s = &t->map[i];

		if (!s->key[0] || s->peer != p->id)
			continue;
		if (s->key[0] == KEY_MAC)
			t->nmacs--;
		s->key[0] = 0;
		s->deleted = 1;
	}
	p->used = false;
}

struct peer *peers_by_id(struct peer_table *t, uint32_t id)
{
	if (id >= PEERS_MAX || !t->peers[id].used)
		return NULL;
	return &t->peers[id];
}

struct peer *peers_by_name(struct peer_table *t, const char *name)
{
	for (uint32_t i = 1; i < PEERS_MAX; i++)
		if (t->peers[i].used && strcmp(t->peers[i].name, name) == 0)
			return &t->peers[i];
	return NULL;
}

/* The IP packet inside pkt: skip the Ethernet header in TAP mode (no VLANs
 * on a tunnel); NULL for ARP and non-IP frames. */
static const uint8_t *inner_ip(const uint8_t *pkt, size_t len, bool tap,
			       size_t *ip_len)
{
	if (tap) {
		uint16_t type;

		if (len < 14)
			return NULL;
		type = (uint16_t)(pkt[12] << 8 | pkt[13]);
		if (type != 0x0800 && type != 0x86dd)
			return NULL;
		pkt += 14;
		len -= 14;
	}
	*ip_len = len;
	return pkt;
}

/* The destination (dst) or source address of an IP packet; 0 if short. */
static enum key_kind ip_addr(const uint8_t *ip, size_t len, bool dst,
			     const uint8_t **addr)
{
	if (len >= 20 && ip[0] >> 4 == 4) {
		*addr = ip + (dst ? 16 : 12);
		return KEY_V4;
	}
	if (len >= 40 && ip[0] >> 4 == 6) {
		*addr = ip + (dst ? 24 : 8);
		return KEY_V6;
	}
	return 0;
}

enum peer_verdict peers_route(struct peer_table *t, const uint8_t *pkt,
			      size_t len, bool tap, struct peer **to,
			      bool *flood)
{
	const uint8_t *addr;
	enum key_kind kind;
	size_t ip_len;
	const uint8_t *ip;

	*to = NULL;
	*flood = false;
	if (tap) {
		if (len < 14)
			return PEER_MALFORMED;
		/* Group bit: broadcast or multicast goes to everyone, as an
		 * unknown unicast does on a switch. */
		*to = (pkt[0] & 1) ? NULL : lookup(t, KEY_MAC, pkt);
		*flood = *to == NULL;
		return PEER_OK;
	}
	ip = inner_ip(pkt, len, false, &ip_len);
	kind = ip_addr(ip, ip_len, true, &addr);
	if (!kind)
		return PEER_MALFORMED;
	*to = lookup(t, kind, addr);
	return *to ? PEER_OK : PEER_NO_ROUTE;
}

/* In TAP mode: learn src MAC for p, or refuse it if another client has it. */
static enum peer_verdict learn_mac(struct peer_table *t, struct peer *p,
				   const uint8_t *mac)
{
	struct peer *owner;
	uint8_t key[17];

	if (mac[0] & 1)
		return PEER_SPOOFED;	/* a group address is never a source */
	owner = lookup(t, KEY_MAC, mac);
	if (owner)
		return owner == p ? PEER_OK : PEER_SPOOFED;
	if (t->nmacs >= MAX_MACS)
		return PEER_SPOOFED;	/* a client inventing MACs: refuse */
	make_key(key, KEY_MAC, mac);
	if (map_put(t, key, (uint16_t)p->id))
		return PEER_SPOOFED;
	t->nmacs++;
	return PEER_OK;
}

enum peer_verdict peers_check_source(struct peer_table *t, struct peer *p,
				     const uint8_t *pkt, size_t len, bool tap)
{
	const uint8_t *ip, *addr;
	enum key_kind kind;
	size_t ip_len;

	if (tap) {
		enum peer_verdict v;

		if (len < 14)
			return PEER_MALFORMED;
		v = learn_mac(t, p, pkt + 6);
		if (v != PEER_OK)
			return v;
		/* ARP: the sender's protocol address must be the client's. */
		if (pkt[12] == 0x08 && pkt[13] == 0x06) {
			if (len < 14 + 28)
				return PEER_MALFORMED;
			return p->has4 && memcmp(pkt + 14 + 14, p->addr4, 4) == 0 ?
			       PEER_OK : PEER_SPOOFED;
		}
	}
	ip = inner_ip(pkt, len, tap, &ip_len);
	if (!ip)
		return PEER_OK;		/* TAP: other protocols bridge as is */
	kind = ip_addr(ip, ip_len, false, &addr);
	if (!kind)
		return PEER_MALFORMED;
	if (kind == KEY_V4 && p->has4 && memcmp(addr, p->addr4, 4) == 0)
		return PEER_OK;
	if (kind == KEY_V6 && p->has6 && memcmp(addr, p->addr6, 16) == 0)
		return PEER_OK;
	/* IPv6 link-local sources (neighbour discovery on a tap) are fine. */
	if (kind == KEY_V6 && addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80)
		return PEER_OK;
	return PEER_SPOOFED;
}
