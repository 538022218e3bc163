//! Schedules and their runs: create, find due schedules, record a run.

use diesel::prelude::*;

use super::Dal;
use crate::error::{Error, Result};
use crate::models::{NewSchedule, NewScheduleExecution, Schedule, ScheduleExecution};
use crate::schema::unified::{schedule_executions as se, schedules as sc};
use crate::types::{UniversalBool, UniversalTimestamp, UniversalUuid};
use crate::with_native;

impl Dal<'_> {
    /// Creates a schedule (an id is generated when none is given).
    ///
    /// # Errors
    ///
    /// [`Error::Query`] (e.g. a `schedule_type` other than cron/trigger).
    pub fn create_schedule(&self, schedule: &NewSchedule) -> Result<Schedule> {
        let mut conn = self.db.get()?;
        let mut new = schedule.clone();
        if new.id.is_none() {
            new.id = Some(UniversalUuid::new_v4());
        }
        with_native!(&mut *conn, c => {
            diesel::insert_into(sc::table)
                .values(&new)
                .returning(Schedule::as_returning())
                .get_result(c)
                .map_err(Error::from)
        })
    }

    /// Enabled, unpaused schedules whose `next_run_at` has come, soonest
    /// first.
    ///
    /// # Errors
    ///
    /// [`Error::Query`].
    pub fn due_schedules(&self, now: UniversalTimestamp, limit: i64) -> Result<Vec<Schedule>> {
        let mut conn = self.db.get()?;
        with_native!(&mut *conn, c => {
            sc::table
                .filter(sc::enabled.eq(UniversalBool(true)))
                .filter(sc::paused.eq(UniversalBool(false)))
                .filter(sc::next_run_at.le(now))
                .order((sc::next_run_at.asc(), sc::id.asc()))
                .limit(limit)
                .select(Schedule::as_select())
                .load(c)
                .map_err(Error::from)
        })
    }

    /// Records that a schedule ran for `scheduled_time` (optionally starting
    /// a workflow execution) and moves it on to `next_run_at`, in one
    /// transaction. Atomic: the run is recorded only if the schedule was due
    /// at `scheduled_time` and no run at or after it was recorded, so two
    /// schedulers never both record (and start) the same run.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the schedule does not exist,
    /// [`Error::InvalidState`] when this run was already recorded.
    pub fn record_schedule_run(
        &self,
        schedule_id: UniversalUuid,
        scheduled_time: UniversalTimestamp,
        workflow_execution_id: Option<UniversalUuid>,
        next_run_at: Option<UniversalTimestamp>,
    ) -> Result<ScheduleExecution> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        let mut new = NewScheduleExecution::new(schedule_id)
            .with_id(UniversalUuid::new_v4())
            .with_scheduled_time(scheduled_time)
            .with_claimed_at(now)
            .with_started_at(now)
            .with_created_at(now)
            .with_updated_at(now)
            .with_recovery_attempts(0);
        new.workflow_execution_id = workflow_execution_id;
        with_native!(&mut *conn, c => c.transaction::<_, Error, _>(|c| {
            // Compare-and-set on the run being recorded: of two schedulers that
            // both saw the schedule due, only one records the run.
            let n = diesel::update(
                sc::table
                    .find(schedule_id)
                    .filter(sc::next_run_at.is_null().or(sc::next_run_at.le(scheduled_time)))
                    .filter(sc::last_run_at.is_null().or(sc::last_run_at.lt(scheduled_time))),
            )
                .set((
                    sc::last_run_at.eq(Some(scheduled_time)),
                    sc::next_run_at.eq(next_run_at),
                    sc::updated_at.eq(now),
                ))
                .execute(c)?;
            if n == 0 {
                let last: Option<Option<UniversalTimestamp>> = sc::table
                    .find(schedule_id)
                    .select(sc::last_run_at)
                    .first(c)
                    .optional()?;
                return Err(match last {
                    None => Error::NotFound { what: "schedule", id: schedule_id.to_string() },
                    Some(last) => Error::InvalidState {
                        what: "schedule",
                        id: schedule_id.to_string(),
                        current: format!(
                            "already recorded up to {}",
                            last.map(|t| t.to_string()).unwrap_or_else(|| "a later time".into())
                        ),
                        action: "record a run for that time again",
                    },
                });
            }
            diesel::insert_into(se::table)
                .values(&new)
                .returning(ScheduleExecution::as_returning())
                .get_result(c)
                .map_err(Error::from)
        }))
    }
}
