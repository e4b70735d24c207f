#include "CaseworkSQLiteTuning.h"
#include <stddef.h>

// SQLiteNIO's copy of SQLite (target VaporCSQLite), whose public functions carry the sqlite_nio_ prefix. Its header
// is not visible to a C target of another package, so the one declaration needed is written here.
extern int sqlite_nio_sqlite3_db_config(void *connection, int op, ...);

// SQLITE_DBCONFIG_ENABLE_QPSG in sqlite3.h.
#define CASEWORK_DBCONFIG_ENABLE_QPSG 1007

int casework_sqlite_stable_plans(void *connection) {
    // Without it, a statement whose plan could depend on a bound value (any query that meets a partial index) is
    // prepared again each time a new value is bound, which defeats a cache of prepared statements.
    return sqlite_nio_sqlite3_db_config(connection, CASEWORK_DBCONFIG_ENABLE_QPSG, 1, (int *)NULL);
}
