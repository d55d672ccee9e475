#ifndef FREESPECTRA_COPENBLAS_SHIM_H
#define FREESPECTRA_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
