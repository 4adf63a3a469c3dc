-- The published table `submission_status` (metrics.md, "Submission status"): one row per
-- expected (trust, source, reporting year) and one per national extract and year.
--
-- Status precedence, for the file chosen for a row:
--   no loaded or quarantined file                        -> missing
--   the file was quarantined                             -> quarantined
--   its sha256 differs from the previous release's       -> resubmitted
--   WRES submission_date after 31 August Y (vars)        -> late
--   otherwise                                            -> on_time
-- A national extract has no submission date or deadline: received, loaded and unchanged is
-- on_time. Unrecognised files are not submissions (they are in the quarantine report).
-- previous_sha256 and previous_release_id are filled only for a file that changed since the
-- previous release, so that a rerun on the same landing publishes byte-identical rows.
with

reporting_years as (

    select * from {{ ref('int_reporting_years') }}

),

trusts_expected as (

    select * from {{ ref('int_trusts_expected') }}

),

file_outcomes as (

    select * from {{ ref('stg_pipeline__file_outcomes') }}

),

submissions as (

    select * from {{ ref('stg_wres__submissions') }}

),

previous_inputs as (

    select * from {{ ref('stg_pipeline__previous_release_inputs') }}

),

-- What is expected: WRES from every trust open during the year; the national extracts once
-- a year. Staff survey year S is the reporting year S+1 row.
expected as (

    select
        reporting_year,
        'wres' as source,
        org_code
    from trusts_expected

    union all

    select
        reporting_years.reporting_year,
        national_extracts.source,
        null as org_code
    from reporting_years
    cross join (
        values ('staff_survey'), ('concerns_cases'), ('concerns_population')
    ) as national_extracts (source)

),

-- Landing files that are submissions, keyed like `expected`. Names are matched as ingest
-- matches them: case-insensitively, after trimming spaces. A survey's column_map.csv is not
-- a submission (a failed map quarantines that year's responses file, which then says so).
named_files as (

    select
        *,
        lower(trim(regexp_extract(source_file, '[^/]*$'))) as file_name
    from file_outcomes
    where outcome in ('loaded', 'quarantined')
        and reporting_year is not null

),

submission_files as (

    select
        named_files.source_file,
        named_files.sha256,
        named_files.outcome,
        named_files.reason,
        case
            when named_files.source_system = 'staff_survey' then named_files.reporting_year + 1
            else named_files.reporting_year
        end as reporting_year,
        case
            when named_files.source_system = 'wres' then 'wres'
            when named_files.source_system = 'staff_survey' and named_files.file_name <> 'column_map.csv'
                then 'staff_survey'
            when named_files.source_system = 'concerns' and named_files.file_name = 'cases.csv'
                then 'concerns_cases'
            when named_files.source_system = 'concerns' and named_files.file_name = 'practitioner_population.csv'
                then 'concerns_population'
        end as source,
        case when named_files.source_system = 'wres' then named_files.org_code end as org_code
    from named_files

),

-- Every file of a return, with its submission date and its previous-release hash.
file_facts as (

    select
        submission_files.reporting_year,
        submission_files.source,
        submission_files.org_code,
        submission_files.source_file,
        submission_files.sha256,
        submission_files.outcome,
        submission_files.reason,
        submissions.submission_date,
        previous_inputs.sha256 as previous_sha256,
        previous_inputs.outcome as previous_outcome,
        previous_inputs.release_id as previous_release_id,
        previous_inputs.source_file is not null
            and submission_files.sha256 is distinct from previous_inputs.sha256 as changed_since_previous,
        -- one file per return: the loaded one if any (at most one: ingest quarantines every
        -- file of an ambiguous pair), else the first quarantined one by path
        row_number() over (
            partition by submission_files.reporting_year, submission_files.source, submission_files.org_code
            order by (submission_files.outcome = 'loaded') desc, submission_files.source_file
        ) as file_rank,
        count(*) over (
            partition by submission_files.reporting_year, submission_files.source, submission_files.org_code
        ) as files_landed,
        string_agg(submission_files.source_file, ', ') over (
            partition by submission_files.reporting_year, submission_files.source, submission_files.org_code
            order by submission_files.source_file
            rows between unbounded preceding and unbounded following
        ) as all_files
    from submission_files
    left join submissions
        on submission_files.source_file = submissions.source_file
    left join previous_inputs
        on submission_files.source_file = previous_inputs.source_file
    where submission_files.source is not null

),

chosen_files as (

    select * from file_facts
    where file_rank = 1

),

rows_with_status as (

    select
        expected.reporting_year,
        expected.source,
        expected.org_code,
        chosen_files.source_file,
        chosen_files.sha256,
        chosen_files.submission_date,
        case
            when expected.source = 'wres'
                then make_date(
                    expected.reporting_year,
                    {{ var('wres_deadline_month') }},
                    {{ var('wres_deadline_day') }}
                )
        end as submission_deadline,
        case when chosen_files.changed_since_previous then chosen_files.previous_sha256 end
            as previous_sha256,
        chosen_files.previous_outcome,
        case when chosen_files.changed_since_previous then chosen_files.previous_release_id end
            as previous_release_id,
        chosen_files.outcome,
        chosen_files.reason,
        coalesce(chosen_files.changed_since_previous, false) as changed_since_previous,
        chosen_files.files_landed,
        chosen_files.all_files
    from expected
    left join chosen_files
        on expected.reporting_year = chosen_files.reporting_year
        and expected.source = chosen_files.source
        and expected.org_code is not distinct from chosen_files.org_code

),

classified as (

    select
        *,
        submission_date - submission_deadline as days_after_deadline,
        case
            when source_file is null then 'missing'
            when outcome = 'quarantined' then 'quarantined'
            when changed_since_previous then 'resubmitted'
            when source = 'wres' and submission_date > submission_deadline then 'late'
            else 'on_time'
        end as status
    from rows_with_status

),

final as (

    select
        reporting_year::integer as reporting_year,
        source::varchar as source,
        org_code::varchar as org_code,
        status::varchar as status,
        source_file::varchar as source_file,
        sha256::varchar as sha256,
        submission_date::date as submission_date,
        submission_deadline::date as submission_deadline,
        previous_sha256::varchar as previous_sha256,
        previous_release_id::varchar as previous_release_id,
        nullif(concat_ws(' ',
            case
                when status = 'missing' and source = 'wres'
                    then 'No WRES return landed for this trust and year.'
                when status = 'missing' and source = 'staff_survey'
                    then 'No staff survey responses file landed for survey year ' || (reporting_year - 1) || '.'
                when status = 'missing' and source = 'concerns_cases'
                    then 'No concerns cases extract landed for the year.'
                when status = 'missing' and source = 'concerns_population'
                    then 'No practitioner population extract landed for the year.'
                when status = 'quarantined'
                    then 'Quarantined: ' || coalesce(reason, 'see the quarantine report')
                        || case when reason like '%.' then '' else '.' end
            end,
            case
                when changed_since_previous
                    then 'Changed since release ' || previous_release_id
                        || case when previous_outcome = 'quarantined'
                            then ', in which the file was quarantined.' else '.' end
            end,
            -- lateness is still shown when resubmitted takes precedence
            case
                when status in ('late', 'resubmitted') and days_after_deadline > 0
                    then 'Submitted ' || days_after_deadline || ' day'
                        || case when days_after_deadline = 1 then '' else 's' end
                        || ' after the deadline.'
                when status = 'resubmitted' and source = 'wres'
                    then 'Submitted by the deadline.'
            end,
            case
                when source <> 'wres' and status in ('on_time', 'resubmitted')
                    then 'National extract: no submission deadline applies; received and loaded.'
            end,
            case
                when source = 'staff_survey' and status <> 'missing'
                    then 'Staff survey year ' || (reporting_year - 1) || ' feeds reporting year '
                        || reporting_year || '.'
            end,
            case
                when files_landed > 1
                    then files_landed || ' files landed for this return (' || all_files
                        || '); the row shows ' || source_file || '.'
            end
        ), '')::varchar as note
    from classified

)

select * from final
