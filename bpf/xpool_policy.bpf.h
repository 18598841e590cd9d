/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xpool_policy.bpf.h - who gets an answer: allow/deny prefixes and the per-client rate limit. */
#ifndef XPOOL_POLICY_BPF_H
#define XPOOL_POLICY_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xpool_acl_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpool_acl SEC(".maps");

/* GCRA state per client: the theoretical arrival time of its next request (ktime ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XPOOL_RATELIMIT_CLIENTS_DEFAULT);
	__type(key, struct xpool_addr);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpool_ratelimit SEC(".maps");

enum policy_verdict { POLICY_ANSWER, POLICY_DROP, POLICY_KOD };

/* The client's address as an IPv6 key: IPv4 mapped, IPv6 cut to its /64 when prefix64. */
static __always_inline void client_key(struct xpool_addr *k, const void *saddr, int v6, int prefix64)
{
	__builtin_memset(k, 0, sizeof(*k));
	if (v6) {
		__builtin_memcpy(k->addr, saddr, prefix64 ? 8 : 16);
	} else {
		k->addr[10] = 0xff;
		k->addr[11] = 0xff;
		__builtin_memcpy(&k->addr[12], saddr, 4);
	}
}

/* Longest matching prefix decides; no match is allowed. */
static __always_inline enum xpool_stat acl_check(const struct xpool_config *cfg, const void *saddr,
						 int v6, enum policy_verdict *pv)
{
	struct xpool_acl_key key = { .prefixlen = 128 };
	__u32 *action;

	*pv = POLICY_ANSWER;
	if (!cfg->acl_enabled)
		return XPOOL_STAT_REPLY;
	client_key((struct xpool_addr *)key.addr, saddr, v6, 0);
	action = bpf_map_lookup_elem(&xpool_acl, &key);
	if (!action || *action == XPOOL_ACL_ALLOW)
		return XPOOL_STAT_REPLY;
	if (*action == XPOOL_ACL_DENY_KOD) {
		*pv = POLICY_KOD;
		return XPOOL_STAT_KOD_DENY;
	}
	*pv = POLICY_DROP;
	return XPOOL_STAT_DROP_DENIED;
}

/*
 * GCRA, one u64 per client (chrony's interval/burst/leak semantics): a client may send `burst`
 * requests back to back, then one per interval. Limited requests do not move the state.
 * Concurrent CPUs may race on one client's slot; the limit is then approximate, never unsafe.
 */
static __always_inline enum xpool_stat rate_check(const struct xpool_config *cfg,
						  const void *saddr, int v6, __u64 now,
						  enum policy_verdict *pv)
{
	struct xpool_addr key;
	__u64 *tat, t;

	*pv = POLICY_ANSWER;
	if (!cfg->rl_enabled)
		return XPOOL_STAT_REPLY;
	client_key(&key, saddr, v6, 1);
	tat = bpf_map_lookup_elem(&xpool_ratelimit, &key);
	if (!tat) {
		t = now + cfg->rl_interval_ns;
		bpf_map_update_elem(&xpool_ratelimit, &key, &t, BPF_ANY);
		return XPOOL_STAT_REPLY;
	}
	t = *tat > now ? *tat : now;
	if (t - now <= cfg->rl_tolerance_ns) {
		*tat = t + cfg->rl_interval_ns;
		return XPOOL_STAT_REPLY;
	}
	if (cfg->rl_leak && !(bpf_get_prandom_u32() & ((1U << (cfg->rl_leak & 7)) - 1)))
		return XPOOL_STAT_REPLY_RATE_LEAK;
	if (cfg->rl_kod) {
		*pv = POLICY_KOD;
		return XPOOL_STAT_KOD_RATE;
	}
	*pv = POLICY_DROP;
	return XPOOL_STAT_DROP_RATE;
}

#endif
