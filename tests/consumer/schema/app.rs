//! A small application's schema: projects and their jobs.

table! {
    /// A project.
    projects (id) {
        #[default(uuid)]
        id -> Uuid,
        name -> Text,
        #[default(now)]
        created_at -> Timestamp,
    }
}

table! {
    /// One job of a project.
    jobs (id) {
        #[default(uuid)]
        id -> Uuid,
        #[references(projects.id, on_delete = cascade)]
        project_id -> Uuid,
        title -> Text,
        #[check(in("queued", "running", "done", "failed"))]
        #[default("queued")]
        state -> Text,
        #[default(true)]
        visible -> Bool,
        #[default("{}")]
        payload -> Json,
        finished_at -> Nullable<Timestamp>,
    }
}
