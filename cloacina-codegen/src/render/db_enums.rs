//! The Rust side of declared enums (`#[db_enum] enum Mood { ... }`).
//!
//! Each enum becomes, as `diesel-derive-enum` would write it by hand:
//! - a SQL type in `schema::sql_types` (Diesel's own place for them, where
//!   `diesel print-schema` puts them): `postgres_type(name = "<sql name>")`
//!   (looked up by name at run time) and `sqlite_type(name = "Text")`;
//! - a Rust enum in `models`, `AsExpression` and `FromSqlRow` for that SQL
//!   type, with `ToSql`/`FromSql` for each configured backend (an unknown
//!   label read back is a deserialization error naming the enum and the
//!   label, never a panic);
//! - the `MultiBackend` glue in `connection`, as for the runtime types.

use proc_macro2::TokenStream;
use quote::quote;

use super::diesel::rust_ident;

use crate::model::{Backend, DbEnum, Schema};

/// The `sql_types` module inside `schema` (empty when the schema declares
/// no enum): one SQL type per enum and its `ToSql`/`FromSql` impls for
/// each backend in `backends`.
pub(super) fn sql_types_module(schema: &Schema, backends: &[Backend]) -> TokenStream {
    if schema.enums.is_empty() {
        return TokenStream::new();
    }
    let items = schema.enums.iter().map(|e| sql_type_items(e, backends));
    quote! {
        /// One SQL type per declared enum: PostgreSQL's enum type (looked up
        /// by name), `TEXT` on SQLite.
        pub mod sql_types {
            #(#items)*
        }
    }
}

fn sql_type_items(e: &DbEnum, backends: &[Backend]) -> TokenStream {
    let ident = rust_ident(&e.name);
    let sql_name = &e.sql_name;
    let doc = format!(" The SQL type of the enum `{sql_name}`.");
    let pg = backends.contains(&Backend::Postgres).then(|| {
        quote! {
            #[diesel(postgres_type(name = #sql_name))]
        }
    });
    let sqlite = backends.contains(&Backend::Sqlite).then(|| {
        quote! {
            #[diesel(sqlite_type(name = "Text"))]
        }
    });
    let value = quote!(super::super::models::#ident);
    let pg_impls = backends.contains(&Backend::Postgres).then(|| {
        quote! {
            impl diesel::serialize::ToSql<#ident, diesel::pg::Pg> for #value {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
                ) -> diesel::serialize::Result {
                    ::std::io::Write::write_all(out, self.as_str().as_bytes())?;
                    Ok(diesel::serialize::IsNull::No)
                }
            }

            impl diesel::deserialize::FromSql<#ident, diesel::pg::Pg> for #value {
                fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                    let text = ::std::str::from_utf8(bytes.as_bytes())?;
                    Ok(text.parse::<#value>()?)
                }
            }
        }
    });
    let sqlite_impls = backends.contains(&Backend::Sqlite).then(|| {
        quote! {
            impl diesel::serialize::ToSql<#ident, diesel::sqlite::Sqlite> for #value {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
                ) -> diesel::serialize::Result {
                    out.set_value(self.as_str());
                    Ok(diesel::serialize::IsNull::No)
                }
            }

            impl diesel::deserialize::FromSql<#ident, diesel::sqlite::Sqlite> for #value {
                fn from_sql(
                    bytes: diesel::sqlite::SqliteValue<'_, '_, '_>,
                ) -> diesel::deserialize::Result<Self> {
                    let text = <String as diesel::deserialize::FromSql<
                        diesel::sql_types::Text,
                        diesel::sqlite::Sqlite,
                    >>::from_sql(bytes)?;
                    Ok(text.parse::<#value>()?)
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
        #pg
        #sqlite
        pub struct #ident;

        #pg_impls
        #sqlite_impls
    }
}

/// The Rust enums, as items of the `models` module.
pub(super) fn model_items(schema: &Schema, attrs: &dyn Fn(&str) -> TokenStream) -> TokenStream {
    let items = schema.enums.iter().map(|e| model_enum(e, attrs(&e.name)));
    quote!(#(#items)*)
}

fn model_enum(e: &DbEnum, attrs: TokenStream) -> TokenStream {
    let ident = rust_ident(&e.name);
    let variants: Vec<proc_macro2::Ident> = e.variants.iter().map(|v| rust_ident(v)).collect();
    let labels: Vec<&str> = e.labels.iter().map(String::as_str).collect();
    let mut docs: Vec<String> = e.docs.iter().map(|d| format!(" {d}")).collect();
    if !docs.is_empty() {
        docs.push(String::new());
    }
    docs.push(format!(
        " The enum `{}`: stored as that PostgreSQL enum type, and as checked text on SQLite.",
        e.sql_name
    ));
    super::diesel::value_enum_core(&super::diesel::ValueEnum {
        ident: &ident,
        name: &e.name,
        docs: &docs,
        ordered: false,
        sql_type: quote!(super::schema::sql_types::#ident),
        attrs: &attrs,
        variants: &variants,
        labels: &labels,
        order: "in declaration order (PostgreSQL's sort order)",
        noun: "label",
    })
}

/// The `MultiBackend` glue of the `connection` module for each enum (the
/// three impls the runtime types get).
pub(super) fn multi_backend_impls(schema: &Schema) -> TokenStream {
    let impls = schema.enums.iter().map(|e| {
        let ident = rust_ident(&e.name);
        multi_backend_glue(
            &quote!(super::schema::sql_types::#ident),
            &quote!(super::models::#ident),
        )
    });
    quote!(#(#impls)*)
}

/// The three `MultiBackend` impls of one SQL type `sql` read and written
/// as the Rust type `value` (an enum's, a declared custom type's).
pub(super) fn multi_backend_glue(sql: &TokenStream, value: &TokenStream) -> TokenStream {
    quote! {
        impl diesel::sql_types::HasSqlType<#sql> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<#sql>(lookup)
            }
        }

        impl diesel::deserialize::FromSql<#sql, MultiBackend> for #value {
            fn from_sql(
                bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                bytes.from_sql::<#value, #sql>()
            }
        }

        impl diesel::serialize::ToSql<#sql, MultiBackend> for #value {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value((#sql, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// A variant spelled as a raw identifier (`r#type`, label `type`) is
    /// written back raw: the generated models were refused as invalid Rust
    /// ("expected identifier, found keyword `type`").
    #[test]
    fn keyword_variants_are_raw_identifiers() {
        let src = "#[db_enum]\nenum Kind { r#type, r#match, Plain }\n\
                   table! { things (id) { id -> BigInt, kind -> Kind, } }\n";
        let schema = crate::parse_str("s.rs", src).expect("valid");
        let g = crate::Builder::new()
            .generate_from(std::path::Path::new("s.rs"), schema)
            .expect("generated Rust parses");
        let code = &g.file("s.rs").expect("rust file").contents;
        assert!(code.contains("r#type,"), "{code}");
        assert!(
            code.contains("#[allow(non_camel_case_types)]\n    pub enum Kind"),
            "{code}"
        );
        assert!(code.contains("Kind::r#match => \"match\""), "{code}");
    }
}
