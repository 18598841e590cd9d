// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_cc.c - ISO 3166 country codes and their continents, as the pool zones them. */
#include <pthread.h>
#include <string.h>

#include "xp_cc.h"

static const char *const continents[XP_N_CONTINENTS] = {
	"africa", "antarctica", "asia", "europe", "north-america", "oceania", "south-america",
};

/* code and continent (AF AN AS EU NA OC SA), as the pool zones them */
static const char table[] =
	"adEU aeAS afAS agNA aiNA alEU amAS aoAF aqAN arSA asOC atEU auOC awNA axEU azAS baEU "
	"bbNA bdAS beEU bfAF bgEU bhAS biAF bjAF blNA bmNA bnAS boSA bqNA brSA bsNA btAS bvAN "
	"bwAF byEU bzNA caNA ccAS cdAF cfAF cgAF chEU ciAF ckOC clSA cmAF cnAS coSA crNA cuNA "
	"cvAF cwNA cxAS cyEU czEU deEU djAF dkEU dmNA doNA dzAF ecSA eeEU egAF ehAF erAF esEU "
	"etAF fiEU fjOC fkSA fmOC foEU frEU gaAF gbEU gdNA geAS gfSA ggEU ghAF giEU glNA gmAF "
	"gnAF gpNA gqAF grEU gsAN gtNA guOC gwAF gySA hkAS hmAN hnNA hrEU htNA huEU idAS ieEU "
	"ilAS imEU inAS ioAS iqAS irAS isEU itEU jeEU jmNA joAS jpAS keAF kgAS khAS kiOC kmAF "
	"knNA kpAS krAS kwAS kyNA kzAS laAS lbAS lcNA liEU lkAS lrAF lsAF ltEU luEU lvEU lyAF "
	"maAF mcEU mdEU meEU mfNA mgAF mhOC mkEU mlAF mmAS mnAS moAS mpOC mqNA mrAF msNA mtEU "
	"muAF mvAS mwAF mxNA myAS mzAF naAF ncOC neAF nfOC ngAF niNA nlEU noEU npAS nrOC nuOC "
	"nzOC omAS paNA peSA pfOC pgOC phAS pkAS plEU pmNA pnOC prNA psAS ptEU pwOC pySA qaAS "
	"reAF roEU rsEU ruEU rwAF saAS sbOC scAF sdAF seEU sgAS shAF siEU sjEU skEU slAF smEU "
	"snAF soAF srSA ssAF stAF svNA sxNA syAS szAF tcNA tdAF tfAN tgAF thAS tjAS tkOC tlAS "
	"tmAS tnAF toOC trEU ttNA tvOC twAS tzAF uaEU ugAF umOC usNA uySA uzAS vaEU vcNA veSA "
	"vgNA viNA vnAS vuOC wfOC wsOC xkEU yeAS ytAF zaAF zmAF zwAF";

#define ENTRY 5

int xp_cc_index(const char *cc, int len)
{
	char lc[2];
	int lo = 0, hi = (int)(sizeof(table) / ENTRY) - 1;

	if (len != 2)
		return -1;
	for (int i = 0; i < 2; i++)
		lc[i] = cc[i] >= 'A' && cc[i] <= 'Z' ? cc[i] + 32 : cc[i];
	if (lc[0] == 'u' && lc[1] == 'k') { /* the pool's alias */
		lc[0] = 'g';
		lc[1] = 'b';
	}
	while (lo <= hi) { /* the table is sorted */
		int mid = (lo + hi) / 2, c = memcmp(lc, table + mid * ENTRY, 2);

		if (!c)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Every code as a string, written once before any is read (the API's request threads, the
 * DNS server's metrics and workers may ask at once). */
static char codes[XP_N_COUNTRIES][3];

static void fill_codes(void)
{
	for (int i = 0; i < XP_N_COUNTRIES; i++) {
		codes[i][0] = table[i * ENTRY];
		codes[i][1] = table[i * ENTRY + 1];
	}
}

const char *xp_cc_code(int i)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fill_codes);
	return codes[i];
}

int xp_cc_continent(int i)
{
	static const char abbr[] = "AFANASEUNAOCSA";
	const char *c = table + i * ENTRY + 2;

	for (int k = 0; k < XP_N_CONTINENTS; k++)
		if (abbr[2 * k] == c[0] && abbr[2 * k + 1] == c[1])
			return k;
	return -1;
}

int xp_continent_index(const char *name, int len)
{
	for (int k = 0; k < XP_N_CONTINENTS; k++)
		if ((int)strlen(continents[k]) == len && !memcmp(continents[k], name, len))
			return k;
	return -1;
}

const char *xp_continent_name(int c)
{
	return continents[c];
}
