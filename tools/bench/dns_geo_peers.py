#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# dns_geo_peers.py - the pool of a bench snapshot as gdnsd (geoip + weighted plugins) and Knot
# (mod-geoip, geodb and weighted) serve it: the same names, zones and fallbacks as xpool-dns.
"""Usage: dns_geo_peers.py SNAPSHOT GEO_CSV MMDB CLIENT_NET OUTDIR

Writes into OUTDIR:
  gdnsd-plugins.conf   the plugins stanza of a gdnsd config (geoip -> weighted)
  gdnsd.zone           pool.ntp.test for gdnsd: DYNA records into those plugins
  knot.zone            pool.ntp.test for Knot: one default RRset per name
  knot-geodb.yaml      mod-geoip (mode geodb): one RRset per located country, geo names
  knot-weighted.yaml   mod-geoip (mode weighted): weighted RRsets, every name
  geo-expect.txt       per probe client address in CLIENT_NET: its country ("-" when the
                       database does not locate it) and the addresses its apex A may hold
  geo-clients.txt      the share of CLIENT_NET each country has

xpool-dns draws max-hosts (4) addresses per answer, weighted by netspeed, without replacement,
from the zone of the name (apex and N. names: the client's country, else the global zone,
when the country has fewer than min-servers (2) of the family). Neither peer draws per
address: each zone's servers are cut into fixed sets of 4 (heaviest first), and
  - gdnsd's weighted plugin (grouped, multi off) picks one set per answer, weighted by its sum
    of netspeeds, from at most 64 sets (the global zone's 800 IPv4 servers: its 256
    heaviest, for the clients the database does not locate); its geoip plugin maps the client's continent/country to the datacenter that
    stands for the country's (or the fallback) sets;
  - Knot's mod-geoip in weighted mode picks one set per answer, weights cut to 1-255; in geodb
    mode it returns one fixed set per country (it cannot combine the two), and a client it
    does not locate falls through to the weighted instance (the global zone's sets).
N. names take the zone's quarter N (a fixed cut, where xpool shuffles once per snapshot);
zones under 8 servers serve all of them under every N, as xpool does. AAAA only under 2.
The continent step of xpool's fallback is not modelled (a located country short of servers of a
family falls back to the global zone): the bench's client countries all have IPv4 servers, and
the query file asks the geo names for A only.
"""
import ipaddress
import json
import os
import sys

MIN_SERVERS = 2  # xpool-dns's min-servers default
MAX_HOSTS = 4  # xpool-dns's max-hosts default
MIN_SCORE = 10.0  # the pool's listing threshold (userspace/pool/pool_rules.h)
ZONE = "pool.ntp.test"
GDNSD_MAX_SETS = 64  # plugin_weighted: "groups ... within one family cannot be more than 64"


def load(snapshot):
    with open(snapshot) as f:
        servers = json.load(f)["servers"]
    listed = [s for s in servers
              if s.get("enabled", True) and s["netspeed"] > 0 and s["score"] >= MIN_SCORE]
    zones = {}  # zone ("" for global, or a country) -> family (4/6) -> [(ip, weight)]
    for s in listed:
        fam = 6 if ":" in s["ip"] else 4
        for z in ("", s["country"].lower()):
            zones.setdefault(z, {4: [], 6: []})[fam].append((s["ip"], s["netspeed"]))
    return zones


def quarter(servers, k):
    """Zone quarter k (0-3); a zone under 8 servers is whole under every N."""
    if k < 0 or len(servers) < 8:
        return servers
    return servers[k::4]


def sets_of(servers):
    """Fixed answer sets of MAX_HOSTS addresses, heaviest first; the last one wraps around.
    Returns [(weight, [ip...])], the weight being the sum of the set's netspeeds."""
    s = sorted(servers, key=lambda x: (-x[1], x[0]))
    if len(s) <= MAX_HOSTS:
        return [(sum(w for _, w in s), [ip for ip, _ in s])] if s else []
    out = []
    for i in range(0, len(s), MAX_HOSTS):
        chunk = s[i:i + MAX_HOSTS]
        chunk += s[:MAX_HOSTS - len(chunk)]
        out.append((sum(w for _, w in chunk), [ip for ip, _ in chunk]))
    return out


def client_countries(csv, client_net):
    """(continent, country) of each network of the database inside the clients' range."""
    net = ipaddress.ip_network(client_net)
    out = []
    with open(csv) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            n, cc, cont = (line.split(",") + ["EU"])[:3]
            n = ipaddress.ip_network(n)
            if n.version == net.version and n.subnet_of(net):
                out.append((n, cont.upper(), cc.upper()))
    return out


def geo_zone(zones, cc, fam):
    z = zones.get(cc.lower())
    return cc.lower() if z and len(z[fam]) >= MIN_SERVERS else ""


def label(number, zone):
    """The owner of a name relative to the apex: "@", "2", "de", "2.de"."""
    parts = ([str(number)] if number >= 0 else []) + ([zone] if zone else [])
    return ".".join(parts) or "@"


def fqdn(number, zone):
    rel = label(number, zone)
    return ZONE + "." if rel == "@" else rel + "." + ZONE + "."


def families(number):
    return (4, 6) if number == 2 else (4,)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    snapshot, csv, mmdb, client_net, out = sys.argv[1:]
    zones = load(snapshot)
    located = client_countries(csv, client_net)
    countries = sorted({cc for _, _, cc in located})
    numbers = (-1, 0, 1, 2, 3)
    names = [(k, "") for k in numbers] + [(k, cc) for cc in sorted(zones) if cc for k in numbers]

    def answer_sets(number, zone_of_fam):
        """family -> fixed sets, for a name whose zone per family is zone_of_fam(fam)"""
        return {fam: sets_of(quarter(zones[zone_of_fam(fam)][fam], number))
                for fam in families(number)}

    # the sets behind every name (static zone), and behind each located country (geo names)
    static = {(k, z): answer_sets(k, lambda fam, z=z: z) for k, z in names}
    geo = {(k, cc): answer_sets(k, lambda fam, cc=cc: geo_zone(zones, cc, fam))
           for k in numbers for cc in countries}

    def rtype(fam):
        return "A" if fam == 4 else "AAAA"

    # gdnsd: one weighted resource per answer-set list; geoip resources for the geo names
    weighted, dyna = [], {}

    def gdnsd_resource(name, per_fam):
        body = []
        for fam, sets in per_fam.items():
            if not sets:
                continue
            sets = sets[:GDNSD_MAX_SETS]
            body.append("    addrs_v%d => {" % fam)
            for g, (w, ips) in enumerate(sets):
                each = max(1, round(w / len(ips) / 1000))  # equal weights: the whole set
                body.append("      s%d => { %s }" % (g, " ".join(
                    "a%d => [ %s, %d ]" % (i, ip, each) for i, ip in enumerate(ips))))
            body.append("    }")
        if not body:
            return None
        weighted.append("   %s => {\n%s\n   }" % (name, "\n".join(body)))
        return name

    for (k, z), per_fam in static.items():
        if z:
            r = gdnsd_resource("n%s_%s" % (k if k >= 0 else "all", z), per_fam)
            dyna[(k, z)] = "weighted!" + r if r else None
    geo_res = []
    for k in numbers:
        dcmap = []
        for cc in countries:
            r = gdnsd_resource("geo%s_%s" % (k if k >= 0 else "all", cc.lower()), geo[(k, cc)])
            dcmap.append("%s => %%weighted!%s" % (cc.lower(), r))
        r = gdnsd_resource("geo%s_global" % (k if k >= 0 else "all"), static[(k, "")])
        dcmap.append("global => %%weighted!%s" % r)
        name = "pool%s" % (k if k >= 0 else "all")
        geo_res.append("   %s => { map => clients, dcmap => { %s } }" % (name, ", ".join(dcmap)))
        dyna[(k, "")] = "geoip!" + name
    by_cont = {}
    for _, cont, cc in located:
        by_cont.setdefault(cont, set()).add(cc)
    gmap = ["default => [ global ]"] + [
        "%s => { %s }" % (cont, ", ".join("%s => [ %s ]" % (cc, cc.lower()) for cc in sorted(ccs)))
        for cont, ccs in sorted(by_cont.items())]
    with open(os.path.join(out, "gdnsd-plugins.conf"), "w") as f:
        f.write("plugins => {\n geoip => {\n  maps => {\n   clients => {\n"
                "    geoip2_db => %s\n    datacenters => [ %s ]\n    map => { %s }\n"
                "   }\n  }\n  resources => {\n%s\n  }\n }\n weighted => {\n%s\n }\n}\n"
                % (os.path.abspath(mmdb), " ".join([cc.lower() for cc in countries] + ["global"]),
                   ", ".join(gmap), "\n".join(geo_res), "\n".join(weighted)))

    head = ("$ORIGIN %s.\n$TTL 150\n@ IN SOA ns1 hostmaster 1 3600 600 1209600 60\n"
            "@ IN NS ns1\nns1 IN A 192.0.2.53\n" % ZONE)
    with open(os.path.join(out, "gdnsd.zone"), "w") as f:
        f.write(head)
        for (k, z), res in sorted(dyna.items(), key=lambda x: (x[0][1], x[0][0])):
            if res is None:  # no server of any family asked: the name exists, empty
                f.write('%s 150 TXT "no servers"\n' % label(k, z))
            else:
                f.write("%s 150 DYNA %s\n" % (label(k, z), res))

    # Knot: the zone holds a default RRset per name (its heaviest set), mod-geoip the rest
    with open(os.path.join(out, "knot.zone"), "w") as f:
        f.write(head)
        for (k, z), per_fam in sorted(static.items(), key=lambda x: (x[0][1], x[0][0])):
            rrs = [(fam, ip) for fam, sets in per_fam.items() if sets for ip in sets[0][1]]
            for fam, ip in rrs:
                f.write("%s 150 %s %s\n" % (label(k, z), rtype(fam), ip))
            if not rrs:
                f.write('%s 150 TXT "no servers"\n' % label(k, z))

    def knot_view(key, value, per_fam, sets_index=0):
        lines = ["  - %s: %s" % (key, value)]
        for fam, sets in per_fam.items():
            if sets:
                lines += ["    %s: %s" % (rtype(fam), ip) for ip in sets[sets_index][1]]
        return lines if len(lines) > 1 else []

    with open(os.path.join(out, "knot-geodb.yaml"), "w") as f:
        for k in numbers:
            f.write("%s:\n" % fqdn(k, ""))
            for cc in countries:
                cont = next(c for _, c, x in located if x == cc)
                f.write("\n".join(knot_view("geo", '"%s;%s"' % (cont, cc), geo[(k, cc)])) + "\n")
    with open(os.path.join(out, "knot-weighted.yaml"), "w") as f:
        for (k, z), per_fam in sorted(static.items(), key=lambda x: (x[0][1], x[0][0])):
            sets = per_fam[4] or per_fam.get(6, [])
            if not sets:
                continue
            top = max(w for w, _ in sets)
            view = []
            for i, (w, _) in enumerate(sets):
                one = {fam: (s[i:i + 1] if len(s) > i else s[:1]) for fam, s in per_fam.items()}
                view += knot_view("weight", max(1, round(255 * w / top)), one)
            if view:
                f.write("%s:\n%s\n" % (fqdn(k, z), "\n".join(view)))

    # probes: one address per located network, one the database does not locate
    with open(os.path.join(out, "geo-expect.txt"), "w") as f:
        net = ipaddress.ip_network(client_net)
        probes = [(str(n.network_address + 53), cc) for n, _, cc in located]
        for sub in net.subnets(new_prefix=24):
            if not any(sub.subnet_of(n) for n, _, _ in located):
                probes.append((str(sub.network_address + 53), "-"))
                break
        for addr, cc in probes:
            zone = geo_zone(zones, cc, 4) if cc != "-" else ""
            f.write("%s %s %s\n" % (addr, cc, " ".join(ip for ip, _ in zones[zone][4])))
    # the share of the client range each country gets (kxdpgun draws sources uniformly)
    with open(os.path.join(out, "geo-clients.txt"), "w") as f:
        shares = {}
        for n, _, cc in located:
            shares[cc] = shares.get(cc, 0) + n.num_addresses / net.num_addresses
        rest = 1 - sum(shares.values())
        f.write(", ".join("%s %.0f%%" % (cc, 100 * v) for cc, v in shares.items()) +
                (", not located %.0f%%" % (100 * rest) if rest > 0 else "") + "\n")


if __name__ == "__main__":
    main()
