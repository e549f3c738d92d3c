#!/bin/sh
# Runs once, when the PostgreSQL volume is created (docker-entrypoint-initdb.d): the registry's two
# roles. `haopin` owns the database and everything its migrations create (MIGRATION_DATABASE_URL);
# `haopin_app` is what the service runs as (DATABASE_URL): it owns nothing, is no superuser, and
# is granted rows, sequences and functions after each migration, so it cannot disable the
# append-only triggers of the audit trail. The image's superuser (POSTGRES_USER) is used only here.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$HAOPIN_OWNER_PASSWORD" -v app_password="$HAOPIN_APP_PASSWORD" <<'SQL'
CREATE ROLE haopin LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'owner_password';
CREATE ROLE haopin_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'app_password';
CREATE DATABASE haopin OWNER haopin;
REVOKE ALL ON DATABASE haopin FROM PUBLIC;
GRANT CONNECT ON DATABASE haopin TO haopin_app;
SQL
