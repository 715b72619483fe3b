-- Triggers: updated_at maintenance, the registration capacity guard, the loyalty balance cache and
-- the audit trail. Set `eventdb.actor` (set local eventdb.actor = 'user:42') to name who changed a
-- row in audit_log.changed_by; without it the database role is recorded.
-- eventdb:depends-on 0005_registrations
-- eventdb:depends-on 0006_loyalty_ledger
-- eventdb:depends-on 0008_audit_log

-- eventdb:up
create function set_updated_at() returns trigger language plpgsql as $$
begin
  -- An explicit new value (a restore, an import) is kept; otherwise stamp the change.
  if new.updated_at is not distinct from old.updated_at then
    new.updated_at := now();
  end if;
  return new;
end
$$;

create trigger users_set_updated_at before update on users for each row execute function set_updated_at();
create trigger venues_set_updated_at before update on venues for each row execute function set_updated_at();
create trigger events_set_updated_at before update on events for each row execute function set_updated_at();
create trigger registrations_set_updated_at before update on registrations for each row execute function set_updated_at();
create trigger feedback_set_updated_at before update on feedback for each row execute function set_updated_at();

-- The per-event lock shared by this trigger and safe_event_registration / safe_event_unregistration:
-- transaction-level, so it is released at commit or rollback. Namespace 'EVNT'.
create function event_registration_lock(p_event_id bigint) returns void language sql volatile as $$
  select pg_advisory_xact_lock(1163284052, hashtext('event:' || p_event_id::text));
$$;

-- Refuses a confirmed (or attended) registration beyond the event's capacity, whoever writes it.
create function enforce_event_capacity() returns trigger language plpgsql as $$
declare
  v_capacity integer;
  v_taken integer;
begin
  if new.status not in ('confirmed', 'attended') then
    return new;
  end if;
  if tg_op = 'UPDATE' and old.status in ('confirmed', 'attended') and old.event_id = new.event_id then
    return new;
  end if;
  perform event_registration_lock(new.event_id);
  select capacity into v_capacity from events where id = new.event_id;
  if v_capacity is null then
    return new; -- the foreign key reports the missing event
  end if;
  select count(*) into v_taken from registrations
   where event_id = new.event_id and status in ('confirmed', 'attended') and id is distinct from new.id;
  if v_taken >= v_capacity then
    raise exception 'event % is full: % of % seats taken', new.event_id, v_taken, v_capacity
      using errcode = 'check_violation', constraint = 'registrations_capacity',
            hint = 'use safe_event_registration() to join the waitlist instead';
  end if;
  return new;
end
$$;
create trigger registrations_enforce_capacity before insert or update of status, event_id on registrations
  for each row execute function enforce_event_capacity();

-- Keeps users.loyalty_points equal to the sum of the user's ledger; the users check constraint
-- refuses an entry that would make the balance negative.
create function apply_loyalty_entry() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update users set loyalty_points = loyalty_points - old.points where id = old.user_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    update users set loyalty_points = loyalty_points + new.points where id = new.user_id;
  end if;
  return null;
end
$$;
create trigger loyalty_ledger_apply after insert or update of points, user_id or delete on loyalty_ledger
  for each row execute function apply_loyalty_entry();

-- Audit trail. The trigger argument names the table's key column.
create function audit_row_change() returns trigger language plpgsql as $$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
begin
  if tg_op = 'UPDATE' and v_old = v_new then
    return null;
  end if;
  insert into audit_log (table_name, row_id, action, old_values, new_values, changed_by)
  values (tg_table_name, coalesce(v_new, v_old) ->> tg_argv[0], tg_op, v_old, v_new,
          coalesce(nullif(current_setting('eventdb.actor', true), ''), current_user));
  return null;
end
$$;
create trigger users_audit after insert or update or delete on users for each row execute function audit_row_change('id');
create trigger venues_audit after insert or update or delete on venues for each row execute function audit_row_change('id');
create trigger event_categories_audit after insert or update or delete on event_categories for each row execute function audit_row_change('id');
create trigger events_audit after insert or update or delete on events for each row execute function audit_row_change('id');
create trigger registrations_audit after insert or update or delete on registrations for each row execute function audit_row_change('id');
create trigger attendance_audit after insert or update or delete on attendance for each row execute function audit_row_change('registration_id');
create trigger feedback_audit after insert or update or delete on feedback for each row execute function audit_row_change('registration_id');
create trigger loyalty_ledger_audit after insert or update or delete on loyalty_ledger for each row execute function audit_row_change('id');

-- eventdb:down
drop trigger loyalty_ledger_audit on loyalty_ledger;
drop trigger feedback_audit on feedback;
drop trigger attendance_audit on attendance;
drop trigger registrations_audit on registrations;
drop trigger events_audit on events;
drop trigger event_categories_audit on event_categories;
drop trigger venues_audit on venues;
drop trigger users_audit on users;
drop function audit_row_change();
drop trigger loyalty_ledger_apply on loyalty_ledger;
drop function apply_loyalty_entry();
drop trigger registrations_enforce_capacity on registrations;
drop function enforce_event_capacity();
drop function event_registration_lock(bigint);
drop trigger feedback_set_updated_at on feedback;
drop trigger registrations_set_updated_at on registrations;
drop trigger events_set_updated_at on events;
drop trigger venues_set_updated_at on venues;
drop trigger users_set_updated_at on users;
drop function set_updated_at();
