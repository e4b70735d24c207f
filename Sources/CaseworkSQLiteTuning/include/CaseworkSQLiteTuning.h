#ifndef CASEWORK_SQLITE_TUNING_H
#define CASEWORK_SQLITE_TUNING_H

/// Turns on SQLite's query planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) for one connection of the
/// SQLite that SQLiteNIO links. Swift cannot call sqlite3_db_config, which takes C varargs, so this does.
/// Returns SQLite's result code.
int casework_sqlite_stable_plans(void *connection);

#endif
