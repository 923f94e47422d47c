/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seven steps of a packet's trip through a VPN, on the sending host
 * ("out": app -> wire) and in reverse on the receiving host ("in": wire ->
 * app).  Every module names steps through this table: the tracer tags
 * events with a step id, the UI draws one box per step, the walkthrough
 * reads the explanations.
 */
#ifndef TUNLAB_STEPS_H
#define TUNLAB_STEPS_H

#include <stdint.h>

enum tl_dir {
	TL_DIR_OUT = 0,		/* sending host: app towards the wire */
	TL_DIR_IN = 1,		/* receiving host: wire towards the app */
};

#define TL_STEPS_PER_DIR 7
#define TL_STEP_COUNT (2 * TL_STEPS_PER_DIR)

/* Step ids: out steps 1..7 are ids 0..6, in steps 7'..1' are ids 7..13,
 * so ids follow the packet's journey from app to app. */
enum tl_step_id {
	TL_STEP_APP_SEND = 0,	/* 1  */
	TL_STEP_ROUTE_TUN,	/* 2  */
	TL_STEP_TUN_DRIVER_OUT,	/* 3  */
	TL_STEP_DAEMON_READ,	/* 4  */
	TL_STEP_ENCRYPT_SEND,	/* 5  */
	TL_STEP_ROUTE_WIRE,	/* 6  */
	TL_STEP_WIRE_OUT,	/* 7  */
	TL_STEP_WIRE_IN,	/* 7' */
	TL_STEP_DELIVER_UDP,	/* 6' */
	TL_STEP_RECV_DECRYPT,	/* 5' */
	TL_STEP_DAEMON_WRITE,	/* 4' */
	TL_STEP_TUN_DRIVER_IN,	/* 3' */
	TL_STEP_ROUTE_LOCAL,	/* 2' */
	TL_STEP_APP_RECV,	/* 1' */
	TL_STEP_NONE = 0xff,
};

enum tl_space {
	TL_SPACE_USER,
	TL_SPACE_KERNEL,
};

struct tl_step {
	enum tl_step_id id;
	uint8_t num;		/* 1..7 as in the seed's mail */
	enum tl_dir dir;
	enum tl_space space;	/* where the step runs: user or kernel */
	const char *label;	/* "3" or "3'" */
	const char *name;	/* short box title: "tun/tap driver" */
	const char *explain;	/* one paragraph, for the UI and walkthrough */
};

/* The table, indexed by enum tl_step_id. */
extern const struct tl_step tl_steps[TL_STEP_COUNT];

/* Step for (number 1..7, direction), or NULL. */
const struct tl_step *tl_step_lookup(unsigned int num, enum tl_dir dir);

/* Step by id, or NULL for an id out of range. */
const struct tl_step *tl_step_get(unsigned int id);

/* Parse "3", "3'", "3in", "3out"; returns 0 and sets *id, or -1. */
int tl_step_parse(const char *s, enum tl_step_id *id);

const char *tl_dir_name(enum tl_dir dir);

#endif
