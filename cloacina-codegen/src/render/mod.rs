pub mod ddl;
pub mod postgres;
pub mod sqlite;
// pub mod diesel;
