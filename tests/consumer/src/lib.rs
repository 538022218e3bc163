//! Code written against the generated models: it builds inserts only with
//! the generated constructors and matches on the generated status enum, so
//! adding a nullable column or a column with a default to the schema keeps
//! it compiling.

/// The code generated from `schema/app.rs`.
pub mod db {
    include!(concat!(env!("OUT_DIR"), "/app.rs"));
}

use db::models::{Job, JobState, NewJob, NewProject};
use db::types::UniversalUuid;

/// What a dashboard shows for a job.
pub fn label(job: &Job) -> &'static str {
    match job.state {
        JobState::Queued => "waiting",
        JobState::Running => "busy",
        JobState::Done => "ok",
        JobState::Failed => "needs attention",
    }
}

/// A project to insert.
pub fn new_project(name: &str) -> NewProject {
    NewProject::new(name).with_id(UniversalUuid::new_v4())
}

/// A running job to insert.
pub fn new_job(project: UniversalUuid, title: &str) -> NewJob {
    NewJob::new(project, title)
        .with_state(JobState::Running)
        .with_payload(serde_json::json!({"retries": 2}))
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::db::connection::AnyConnection;
    use super::db::models::{Job, JobState, Project};
    use super::db::schema::unified::{jobs, projects};
    use super::*;

    /// An in-memory SQLite database with the generated DDL, behind the
    /// generated multi-backend connection.
    fn database() -> AnyConnection {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("sqlite");
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            include_str!(concat!(env!("OUT_DIR"), "/app.sqlite.sql")),
        )
        .expect("generated DDL");
        AnyConnection::Sqlite(conn)
    }

    #[test]
    fn rows_round_trip_through_any_connection_and_match_on_the_enum() {
        let mut conn = database();
        let project = new_project("alpha");
        diesel::insert_into(projects::table)
            .values(&project)
            .execute(&mut conn)
            .expect("insert project");
        let project_id = project.id.expect("id set");
        diesel::insert_into(jobs::table)
            .values(&new_job(project_id, "build"))
            .execute(&mut conn)
            .expect("insert job");
        diesel::insert_into(jobs::table)
            .values(&NewJob::new(project_id, "test"))
            .execute(&mut conn)
            .expect("insert job with defaults");

        let running: Vec<Job> = jobs::table
            .filter(jobs::state.eq(JobState::Running))
            .select(Job::as_select())
            .load(&mut conn)
            .expect("load running");
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].title, "build");
        assert_eq!(label(&running[0]), "busy");

        let queued: Job = jobs::table
            .filter(jobs::title.eq("test"))
            .select(Job::as_select())
            .first(&mut conn)
            .expect("load queued");
        assert_eq!(queued.state, JobState::Queued, "the column default");
        assert_eq!(label(&queued), "waiting");
        assert!(queued.visible.0);

        let projects: Vec<Project> = projects::table
            .select(Project::as_select())
            .load(&mut conn)
            .expect("projects");
        assert_eq!(projects.len(), 1);
        assert_eq!(projects[0].name, "alpha");
    }

    #[test]
    fn models_and_enums_serialize_through_the_derive_hooks() {
        let mut conn = database();
        let project = new_project("beta");
        diesel::insert_into(projects::table)
            .values(&project)
            .execute(&mut conn)
            .expect("insert project");
        diesel::insert_into(jobs::table)
            .values(&new_job(project.id.expect("id"), "deploy"))
            .execute(&mut conn)
            .expect("insert job");
        let job: Job = jobs::table
            .select(Job::as_select())
            .first(&mut conn)
            .expect("job");

        let json = serde_json::to_value(&job).expect("serialize job");
        assert_eq!(json["name"], "deploy", "field hook renamed `title`: {json}");
        assert_eq!(json["state"], "Running");
        assert_eq!(json["visible"], true);
        assert_eq!(json["payload"], serde_json::json!({"retries": 2}));
        assert_eq!(json["finished_at"], serde_json::Value::Null);
        assert_eq!(json["project_id"], project.id.expect("id").to_string());
        let back: Job = serde_json::from_value(json).expect("deserialize job");
        assert_eq!(back, job);

        let insert = serde_json::to_value(new_job(project.id.expect("id"), "x")).expect("new job");
        assert_eq!(insert["state"], "Running");
        assert_eq!(insert["id"], serde_json::Value::Null);
    }

    #[test]
    fn the_enum_speaks_the_stored_text() {
        assert_eq!(JobState::VALUES, ["queued", "running", "done", "failed"]);
        assert_eq!("done".parse::<JobState>(), Ok(JobState::Done));
        let err = "paused".parse::<JobState>().expect_err("not a state");
        assert_eq!(
            err.to_string(),
            "\"paused\" is not a JobState: expected one of queued, running, done, failed"
        );
        assert_eq!(String::from(JobState::Failed), "failed");
    }
}
