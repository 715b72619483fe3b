-- Stored functions for registrations and maintenance (PostgreSQL only; SQLite and DuckDB have no
-- stored procedures — see 0010_registration_functions.sqlite.ts / .duckdb.ts).
--   safe_event_registration(user_id, event_id)   confirms while seats remain, waitlists after
--   safe_event_unregistration(user_id, event_id) cancels and promotes the first of the waitlist
--   get_event_registration_stats(event_id)       counts per status, seats left, fill rate
--   validate_business_rules()                    one row per violated business rule
--   cleanup_audit_logs(days)                     deletes audit rows older than `days` days
-- Both registration functions take the event's transaction-level advisory lock
-- (event_registration_lock), so concurrent calls for one event run one at a time.
-- eventdb:depends-on 0009_triggers

-- eventdb:up
create function safe_event_registration(p_user_id bigint, p_event_id bigint,
  out registration_id bigint, out status text, out waitlist_position integer)
language plpgsql as $$
declare
  v_event events%rowtype;
  v_user users%rowtype;
  v_existing registrations%rowtype;
  v_taken integer;
  v_id bigint;
  v_status text;
  v_pos integer;
begin
  perform event_registration_lock(p_event_id);
  select * into v_event from events e where e.id = p_event_id;
  if not found then
    raise exception 'event % does not exist', p_event_id using errcode = 'no_data_found';
  end if;
  if v_event.status <> 'published' then
    raise exception 'event % is not open for registration (status %)', p_event_id, v_event.status
      using errcode = 'check_violation';
  end if;
  if v_event.ends_at <= now() then
    raise exception 'event % has already ended', p_event_id using errcode = 'check_violation';
  end if;
  select * into v_user from users u where u.id = p_user_id;
  if not found or v_user.deleted_at is not null then
    raise exception 'user % does not exist', p_user_id using errcode = 'no_data_found';
  end if;
  if v_event.allowed_tiers is not null and not (v_event.allowed_tiers ? coalesce(v_user.membership_tier, '')) then
    raise exception 'user % (tier %) may not register for event % (tiers %)', p_user_id,
      coalesce(v_user.membership_tier, 'none'), p_event_id, v_event.allowed_tiers using errcode = 'check_violation';
  end if;

  select * into v_existing from registrations r where r.user_id = p_user_id and r.event_id = p_event_id for update;
  if found and v_existing.status <> 'cancelled' then
    -- Already registered: report it, change nothing.
    registration_id := v_existing.id;
    status := v_existing.status;
    select w.position into waitlist_position from waitlist w where w.registration_id = v_existing.id;
    return;
  end if;

  select count(*) into v_taken from registrations r
   where r.event_id = p_event_id and r.status in ('confirmed', 'attended');
  v_status := case when v_taken < v_event.capacity then 'confirmed' else 'waitlisted' end;
  if v_existing.id is null then
    insert into registrations (user_id, event_id, status) values (p_user_id, p_event_id, v_status)
    returning id into v_id;
  else
    update registrations r set status = v_status, cancelled_at = null where r.id = v_existing.id;
    v_id := v_existing.id;
  end if;
  if v_status = 'waitlisted' then
    select coalesce(max(w.position), 0) + 1 into v_pos from waitlist w where w.event_id = p_event_id;
    insert into waitlist (registration_id, event_id, position) values (v_id, p_event_id, v_pos);
  end if;
  registration_id := v_id;
  status := v_status;
  waitlist_position := v_pos;
end
$$;

create function safe_event_unregistration(p_user_id bigint, p_event_id bigint,
  out registration_id bigint, out previous_status text, out promoted_registration_id bigint, out promoted_user_id bigint)
language plpgsql as $$
declare
  v_reg registrations%rowtype;
  v_capacity integer;
  v_taken integer;
  v_pos integer;
  v_next bigint;
begin
  perform event_registration_lock(p_event_id);
  select * into v_reg from registrations r where r.user_id = p_user_id and r.event_id = p_event_id for update;
  if not found or v_reg.status = 'cancelled' then
    raise exception 'user % has no active registration for event %', p_user_id, p_event_id using errcode = 'no_data_found';
  end if;
  if v_reg.status = 'attended' then
    raise exception 'user % already attended event %; an attended registration cannot be cancelled', p_user_id, p_event_id
      using errcode = 'check_violation';
  end if;
  update registrations r set status = 'cancelled', cancelled_at = now() where r.id = v_reg.id;
  registration_id := v_reg.id;
  previous_status := v_reg.status;

  if v_reg.status = 'waitlisted' then
    delete from waitlist w where w.registration_id = v_reg.id returning w.position into v_pos;
    if v_pos is not null then
      update waitlist w set position = w.position - 1 where w.event_id = p_event_id and w.position > v_pos;
    end if;
  elsif v_reg.status = 'confirmed' then
    select e.capacity into v_capacity from events e where e.id = p_event_id;
    select count(*) into v_taken from registrations r
     where r.event_id = p_event_id and r.status in ('confirmed', 'attended');
    if v_taken < v_capacity then
      select w.registration_id, w.position into v_next, v_pos from waitlist w
       where w.event_id = p_event_id order by w.position limit 1;
      if v_next is not null then
        delete from waitlist w where w.registration_id = v_next;
        update waitlist w set position = w.position - 1 where w.event_id = p_event_id and w.position > v_pos;
        update registrations r set status = 'confirmed' where r.id = v_next returning r.user_id into promoted_user_id;
        promoted_registration_id := v_next;
      end if;
    end if;
  end if;
end
$$;

create function get_event_registration_stats(p_event_id bigint)
returns table (event_id bigint, capacity integer, confirmed integer, attended integer, pending integer,
               waitlisted integer, cancelled integer, seats_available integer, fill_rate numeric)
language sql stable as $$
  select e.id, e.capacity,
         (count(*) filter (where r.status = 'confirmed'))::int,
         (count(*) filter (where r.status = 'attended'))::int,
         (count(*) filter (where r.status = 'pending'))::int,
         (count(*) filter (where r.status = 'waitlisted'))::int,
         (count(*) filter (where r.status = 'cancelled'))::int,
         greatest(e.capacity - count(*) filter (where r.status in ('confirmed', 'attended')), 0)::int,
         round(100.0 * count(*) filter (where r.status in ('confirmed', 'attended')) / e.capacity, 2)
    from events e
    left join registrations r on r.event_id = e.id
   where e.id = p_event_id
   group by e.id, e.capacity
$$;

create function validate_business_rules()
returns table (rule text, severity text, table_name text, row_key text, detail text)
language sql stable as $$
  select 'event_over_capacity', 'error', 'events', e.id::text,
         format('%s seats taken of %s', count(*), e.capacity)
    from events e join registrations r on r.event_id = e.id and r.status in ('confirmed', 'attended')
   group by e.id, e.capacity having count(*) > e.capacity
  union all
  select 'negative_loyalty_balance', 'error', 'users', l.user_id::text, format('ledger sum %s', sum(l.points))
    from loyalty_ledger l group by l.user_id having sum(l.points) < 0
  union all
  select 'loyalty_balance_mismatch', 'warning', 'users', u.id::text,
         format('loyalty_points %s, ledger sum %s', u.loyalty_points, coalesce(s.total, 0))
    from users u left join (select user_id, sum(points) as total from loyalty_ledger group by user_id) s on s.user_id = u.id
   where u.loyalty_points <> coalesce(s.total, 0)
  union all
  select 'waitlist_entry_not_waitlisted', 'error', 'waitlist', w.registration_id::text,
         format('registration status %s', r.status)
    from waitlist w join registrations r on r.id = w.registration_id
   where r.status <> 'waitlisted' or r.event_id <> w.event_id
  union all
  select 'waitlisted_without_position', 'error', 'registrations', r.id::text, 'no waitlist entry'
    from registrations r left join waitlist w on w.registration_id = r.id
   where r.status = 'waitlisted' and w.registration_id is null
  union all
  select 'waitlist_position_gap', 'warning', 'events', w.event_id::text,
         format('%s entries, highest position %s', count(*), max(w.position))
    from waitlist w group by w.event_id having max(w.position) <> count(*)
  union all
  select 'attendance_without_attended_status', 'warning', 'attendance', a.registration_id::text,
         format('registration status %s', r.status)
    from attendance a join registrations r on r.id = a.registration_id
   where r.status <> 'attended'
  union all
  select 'event_ends_before_start', 'error', 'events', e.id::text, format('%s .. %s', e.starts_at, e.ends_at)
    from events e where e.ends_at <= e.starts_at
$$;

create function cleanup_audit_logs(p_days integer) returns bigint language plpgsql as $$
declare
  v_deleted bigint;
begin
  if p_days is null or p_days < 1 then
    raise exception 'cleanup_audit_logs: days must be at least 1 (got %)', coalesce(p_days::text, 'null')
      using errcode = 'invalid_parameter_value';
  end if;
  delete from audit_log where changed_at < now() - make_interval(days => p_days);
  get diagnostics v_deleted = row_count;
  return v_deleted;
end
$$;

-- eventdb:down
drop function cleanup_audit_logs(integer);
drop function validate_business_rules();
drop function get_event_registration_stats(bigint);
drop function safe_event_unregistration(bigint, bigint);
drop function safe_event_registration(bigint, bigint);
