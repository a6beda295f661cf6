package engine

// Wake says which background services a commit left work for (OnCommit).
type Wake struct {
	// Deliveries is set when the commit queued webhook deliveries.
	Deliveries bool
	// Timers is set when it scheduled a wall-clock timer due within
	// schedulerPoll of the commit. RunScheduler looks for due timers at
	// least that often on its own, so a timer due later is found in time
	// without waking it: at worst it is late by the look the scheduler was
	// in when the commit came, which it would have finished first when woken.
	Timers bool
}

// wakes is what an op left for the background services.
type wakes struct {
	deliveries bool
	// timers is set when the op scheduled a wall-clock timer; due is the
	// earliest such timer's due time (Unix milliseconds). A test clock's
	// timers fire in its advances, which look for them themselves.
	timers bool
	due    int64
}

// timer notes a timer scheduled on clockID ("" for the wall clock) at dueMS.
func (w *wakes) timer(clockID string, dueMS int64) {
	if clockID == "" && (!w.timers || dueMS < w.due) {
		w.timers, w.due = true, dueMS
	}
}

// add merges o into w.
func (w *wakes) add(o wakes) {
	w.deliveries = w.deliveries || o.deliveries
	if o.timers {
		w.timer("", o.due)
	}
}

// woken calls the OnCommit functions for what a committed write left, if
// anything needs waking.
func (e *Engine) woken(w wakes) {
	k := Wake{Deliveries: w.deliveries, Timers: w.timers && w.due < e.clock.Now().Add(schedulerPoll).UnixMilli()}
	if k.Deliveries || k.Timers {
		e.kick(k)
	}
}
