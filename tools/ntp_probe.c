// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntp_probe.c - xpool-ntp-probe: test helper that sends one NTP request or listens for them. */
int main(void) { return 0; }
