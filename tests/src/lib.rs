//! Cross-crate tests of the Cloacina schema toolkit.
//!
//! [`everything`] is the code `cloacina-codegen` generates (in this crate's
//! `build.rs`) for a fixture schema that uses every construct of the schema
//! language; the integration tests under `tests/` drive it against real
//! SQLite and PostgreSQL databases.

pub mod everything {
    //! Generated from `cloacina-codegen/tests/fixtures/valid/everything.rs`.
    include!(concat!(env!("OUT_DIR"), "/everything.rs"));

    /// The PostgreSQL DDL generated for the fixture.
    pub const POSTGRES_DDL: &str =
        include_str!(concat!(env!("OUT_DIR"), "/everything.postgres.sql"));
    /// The SQLite DDL generated for the fixture.
    pub const SQLITE_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/everything.sqlite.sql"));
}

pub mod calendar {
    //! Generated from `cloacina-codegen/tests/fixtures/valid/calendar.rs`:
    //! `NaiveTimestamp`, `Date` and `Time` as keys, defaults and checks.
    include!(concat!(env!("OUT_DIR"), "/calendar.rs"));

    /// The PostgreSQL DDL generated for the fixture.
    pub const POSTGRES_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/calendar.postgres.sql"));
    /// The SQLite DDL generated for the fixture.
    pub const SQLITE_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/calendar.sqlite.sql"));
}

pub mod postgres_types {
    //! Generated from `cloacina-codegen/tests/fixtures/valid/postgres_types.rs`:
    //! arrays, ranges, `INTERVAL`, `MONEY`, `OID` and `MACADDR` in a table
    //! scoped to PostgreSQL.
    include!(concat!(env!("OUT_DIR"), "/postgres_types.rs"));

    /// The PostgreSQL DDL generated for the fixture.
    pub const POSTGRES_DDL: &str =
        include_str!(concat!(env!("OUT_DIR"), "/postgres_types.postgres.sql"));
}

pub mod decimal {
    //! Generated from `cloacina-codegen/tests/fixtures/valid/decimal.rs`:
    //! `Decimal<P, S>` as key, defaults and checks.
    include!(concat!(env!("OUT_DIR"), "/decimal.rs"));

    /// The PostgreSQL DDL generated for the fixture.
    pub const POSTGRES_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/decimal.postgres.sql"));
    /// The SQLite DDL generated for the fixture.
    pub const SQLITE_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/decimal.sqlite.sql"));
}

pub mod enums {
    //! Generated from `cloacina-codegen/tests/fixtures/valid/enums.rs`:
    //! declared enums, a PostgreSQL enum type and checked `TEXT` on SQLite.
    include!(concat!(env!("OUT_DIR"), "/enums.rs"));

    /// The PostgreSQL DDL generated for the fixture.
    pub const POSTGRES_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/enums.postgres.sql"));
    /// The SQLite DDL generated for the fixture.
    pub const SQLITE_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/enums.sqlite.sql"));
}

pub mod enum_edges {
    //! Generated from `cloacina-codegen/tests/fixtures/valid/enum_edges.rs`:
    //! odd labels, Rust keywords as variants, an enum primary key.
    include!(concat!(env!("OUT_DIR"), "/enum_edges.rs"));

    /// The PostgreSQL DDL generated for the fixture.
    pub const POSTGRES_DDL: &str =
        include_str!(concat!(env!("OUT_DIR"), "/enum_edges.postgres.sql"));
    /// The SQLite DDL generated for the fixture.
    pub const SQLITE_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/enum_edges.sqlite.sql"));
}

pub mod custom_types {
    //! Generated from `cloacina-codegen/tests/fixtures/custom_types/custom_types.rs`:
    //! declared custom types (`ltree`) whose Diesel SQL types and Rust type
    //! are this crate's own ([`crate::custom_sql`]).
    include!(concat!(env!("OUT_DIR"), "/custom_types.rs"));

    /// The PostgreSQL DDL generated for the fixture.
    pub const POSTGRES_DDL: &str =
        include_str!(concat!(env!("OUT_DIR"), "/custom_types.postgres.sql"));
    /// The SQLite DDL generated for the fixture.
    pub const SQLITE_DDL: &str = include_str!(concat!(env!("OUT_DIR"), "/custom_types.sqlite.sql"));
}

pub mod custom_sql;

pub mod support;
