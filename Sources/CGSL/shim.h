#ifndef FREESPECTRA_CGSL_SHIM_H
#define FREESPECTRA_CGSL_SHIM_H
// OpenBLAS's cblas.h first, and GSL's private CBLAS header suppressed: both declare the
// same CBLAS enums, which clash when CGSL and COpenBLAS are imported together.
#include <cblas.h>
#define __GSL_CBLAS_H__
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_poly.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_odeiv2.h>

// Swift 6 strict concurrency rejects reading C globals: expose them through accessors.
static inline const gsl_root_fsolver_type *fs_root_brent(void) { return gsl_root_fsolver_brent; }
static inline const gsl_rng_type *fs_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_odeiv2_step_type *fs_odeiv2_msbdf(void) { return gsl_odeiv2_step_msbdf; }
static inline const gsl_odeiv2_step_type *fs_odeiv2_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
#endif
