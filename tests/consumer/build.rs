//! Generates the Diesel code for `schema/app.rs`, with serde derives on
//! every model and enum through the builder's attribute hooks.

fn main() {
    let serde = "#[derive(serde::Serialize, serde::Deserialize)]";
    let result = cloacina_codegen::Builder::new()
        .schema("schema/app.rs")
        .typed_enums(true)
        .model_attribute("*", serde)
        .enum_attribute("jobs.state", serde)
        .field_attribute("Job.title", "#[serde(rename = \"name\")]")
        .compile();
    if let Err(e) = result {
        match e {
            cloacina_codegen::Error::Schema(e) => eprintln!("{}", e.render()),
            other => eprintln!("error: {other}"),
        }
        std::process::exit(1);
    }
}
