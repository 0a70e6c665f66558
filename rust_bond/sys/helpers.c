// SPDX-License-Identifier: GPL-2.0
/*
 * The few kernel macros rust_bond needs that bindgen cannot turn into
 * functions. Keep this file small; everything else is generated.
 */
#include "helpers.h"

/* INIT_DELAYED_WORK() is a macro (it declares a lockdep class per site). */
void rb_init_delayed_work(struct delayed_work *dw, work_func_t fn)
{
	INIT_DELAYED_WORK(dw, fn);
}
