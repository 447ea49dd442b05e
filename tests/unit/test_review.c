#include <math.h>

#include "sprout/review.h"
#include "test.h"

/* Krippendorff's alpha (nominal) against a hand computation. Units (counts
 * of accept, reject, edit):
 *   u1 3 0 0   u2 2 1 0   u3 0 3 0   u4 1 1 1   u5 1 0 0 (one rating: left
 *   out)   u6 0 1 1 (two raters only: a missing rating)
 * coincidences o_cd = sum_u n_uc (n_ud - [c = d]) / (m_u - 1):
 *   o_AA = 3 + 1 = 4, o_RR = 3, o_EE = 0,
 *   o_AR = 1 + 1/2 = 1.5, o_AE = 1/2, o_RE = 1/2 + 1 = 1.5 (and symmetric)
 * n_A = 6, n_R = 6, n_E = 2, n = 14
 * D_o = 2 (1.5 + 0.5 + 1.5) = 7; sum_{c != d} n_c n_d = 2 (36 + 12 + 12) = 120
 * alpha = 1 - (n - 1) D_o / 120 = 1 - 13 * 7 / 120 = 29 / 120 = 0.241667 */
static void krippendorff_alpha_by_hand(void)
{
	static const unsigned c[] = {3, 0, 0, 2, 1, 0, 0, 3, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1};
	size_t n = 0;
	double a = sprout_review_alpha_nominal(c, 6, 3, &n);
	CHECK(fabs(a - 29.0 / 120.0) < 1e-9);
	CHECK_INT(n, 14);
	/* full agreement with variation: 1; chance-level: about 0 */
	static const unsigned agree[] = {2, 0, 0, 0, 2, 0};
	CHECK(fabs(sprout_review_alpha_nominal(agree, 2, 3, NULL) - 1) < 1e-9);
	/* a single category, or no pairable unit: not defined */
	static const unsigned one[] = {2, 0, 0, 3, 0, 0};
	CHECK(isnan(sprout_review_alpha_nominal(one, 2, 3, NULL)));
	static const unsigned lone[] = {1, 0, 0, 0, 1, 0};
	CHECK(isnan(sprout_review_alpha_nominal(lone, 2, 3, &n)));
	CHECK_INT(n, 0);
}

SUITE(review_tests) = {
    T(krippendorff_alpha_by_hand),
    {NULL, NULL},
};
