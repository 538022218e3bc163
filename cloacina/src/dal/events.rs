//! The execution event log: append, list in sequence order.

use diesel::prelude::*;

use super::Dal;
use crate::error::{Error, Result};
use crate::models::{ExecutionEvent, NewExecutionEvent};
use crate::schema::unified::execution_events as ev;
use crate::types::{UniversalJson, UniversalUuid};
use crate::with_native;

impl Dal<'_> {
    /// Appends an event; its `sequence_num` orders it after every earlier one.
    ///
    /// # Errors
    ///
    /// [`Error::Query`].
    pub fn append_event(
        &self,
        workflow_execution_id: UniversalUuid,
        task_execution_id: Option<UniversalUuid>,
        event_type: &str,
        event_data: Option<serde_json::Value>,
        worker_id: Option<&str>,
    ) -> Result<ExecutionEvent> {
        let mut conn = self.db.get()?;
        let mut new = NewExecutionEvent::new(workflow_execution_id, event_type)
            .with_id(UniversalUuid::new_v4());
        new.task_execution_id = task_execution_id;
        new.event_data = event_data.map(UniversalJson);
        new.worker_id = worker_id.map(str::to_string);
        with_native!(&mut *conn, c => {
            diesel::insert_into(ev::table)
                .values(&new)
                .returning(ExecutionEvent::as_returning())
                .get_result(c)
                .map_err(Error::from)
        })
    }

    /// The events of a workflow execution in sequence order.
    ///
    /// # Errors
    ///
    /// [`Error::Query`].
    pub fn list_events(&self, workflow_execution_id: UniversalUuid) -> Result<Vec<ExecutionEvent>> {
        let mut conn = self.db.get()?;
        with_native!(&mut *conn, c => {
            ev::table
                .filter(ev::workflow_execution_id.eq(workflow_execution_id))
                .order(ev::sequence_num.asc())
                .select(ExecutionEvent::as_select())
                .load(c)
                .map_err(Error::from)
        })
    }
}
