#ifndef FREESPECTRA_CGLPK_SHIM_H
#define FREESPECTRA_CGLPK_SHIM_H
// GLPK (Debian libglpk-dev): the linear-program solver behind the minimum-ℓ1 interpolant.
#include <glpk.h>
#endif
