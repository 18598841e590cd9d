#!/usr/bin/perl
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# mkmmdb.pl - builds a small GeoIP database for tests from CSV lines "network,country".
# --format maxmind (default): {country: {iso_code}, continent: {code}}, as GeoLite2-Country;
# --format ip-location-db: {country_code}, as @ip-location-db/geo-whois-asn-country-mmdb.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($format, $in, $out) = ('maxmind');
while (@ARGV) {
	my $a = shift @ARGV;
	if ($a eq '--format') { $format = shift @ARGV; }
	elsif (!defined $in) { $in = $a; }
	else { $out = $a; }
}
die "usage: mkmmdb.pl [--format maxmind|ip-location-db] IN.csv OUT.mmdb\n" unless $in && $out;

my %types = $format eq 'maxmind'
	? (country => 'map', continent => 'map', iso_code => 'utf8_string', code => 'utf8_string')
	: (country_code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version => 6,
	record_size => 24,
	database_type => $format eq 'maxmind' ? 'GeoLite2-Country' : 'geo-whois-asn-country',
	languages => ['en'],
	description => { en => 'xpool test data' },
	map_key_type_callback => sub { $types{ $_[0] } },
	alias_ipv6_to_ipv4 => 1,
	remove_reserved_networks => 0, # the test networks are private and documentation ranges
);
open(my $fh, '<', $in) or die "$in: $!\n";
while (my $line = <$fh>) {
	chomp $line;
	next if $line =~ /^\s*(#|$)/;
	my ($net, $cc, $cont) = split /,/, $line;
	my $data = $format eq 'maxmind'
		? { country => { iso_code => uc $cc }, continent => { code => uc($cont // 'EU') } }
		: { country_code => uc $cc };
	$tree->insert_network($net, $data);
}
open(my $ofh, '>:raw', $out) or die "$out: $!\n";
$tree->write_tree($ofh);
