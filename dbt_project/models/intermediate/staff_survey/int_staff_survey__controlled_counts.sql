-- Disclosure control of the staff survey counts (metrics.md, Disclosure control): the
-- pooled counts with, for each row, whether its figure is withheld and by which rule.
-- Primary rule, at every level (trust, region and England): a group with fewer than
-- var('survey_minimum_base') respondents answering is suppressed (`survey_minimum_base`). A
-- group with no respondent answering is not suppressed: its percentage is undefined and
-- nothing is withheld.
-- Secondary suppression (`secondary`), on top of the primary rule, on respondents answering,
-- for each indicator, year and geography below national level (disclosure control applies
-- below national level, except the minimum base): within BME = Asian + Black + Mixed + Other
-- and All = White + BME + Unknown, when exactly one part is suppressed, the smallest
-- unsuppressed non-zero part (ties broken by name) is suppressed too, repeated until no
-- total has exactly one suppressed part (macro secondary_suppression). Unknown is not
-- published but is a part of All. The four metric models read this model only, so they
-- inherit every rule applied in it.
-- The counts themselves stay in this model; the metric rows hide them when suppressed.
with

pooled_counts as (

    select * from {{ ref('int_staff_survey__pooled_counts') }}

),

primary_suppression as (

    select
        *,
        coalesce(
            respondents_answering > 0
            and respondents_answering < {{ var('survey_minimum_base') }},
            false
        ) as below_minimum_base
    from pooled_counts

),

cells as (

    select
        *,
        row_number() over (
            order by geography_level, geography_code, reporting_year, metric_id, group_name
        ) as cell_id,
        respondents_answering as cell_count,
        below_minimum_base as is_suppressed
    from primary_suppression

),

-- the totals, and the groups that are their parts
group_totals(total_name, group_name) as (

    values
        ('BME = Asian + Black + Mixed + Other', 'Asian'),
        ('BME = Asian + Black + Mixed + Other', 'Black'),
        ('BME = Asian + Black + Mixed + Other', 'Mixed'),
        ('BME = Asian + Black + Mixed + Other', 'Other'),
        ('All = White + BME + Unknown', 'White'),
        ('All = White + BME + Unknown', 'BME'),
        ('All = White + BME + Unknown', 'Unknown')

),

-- one row per part of a total, below national level
memberships as (

    select
        concat_ws(' | ', group_totals.total_name, cells.geography_level, cells.geography_code,
            cells.reporting_year, cells.metric_id) as total_id,
        cells.cell_id,
        cells.group_name as part_name
    from cells
    inner join group_totals
        on cells.group_name = group_totals.group_name
    where cells.geography_level <> 'national'

),

suppressed_cells as (

    select * from {{ secondary_suppression('cells', 'memberships') }}

),

controlled_counts as (

    select
        cells.*,
        case
            when cells.below_minimum_base then 'survey_minimum_base'
            when suppressed_cells.cell_id is not null then 'secondary'
        end as suppression_rule
    from cells
    left join suppressed_cells
        on cells.cell_id = suppressed_cells.cell_id

)

select
    geography_level,
    geography_code,
    reporting_year,
    survey_year,
    metric_id,
    group_name,
    respondents_answering,
    respondents_counted,
    trusts_contributing,
    trusts_expected,
    counts_note,
    suppression_rule is not null as suppressed,
    suppression_rule,
    case suppression_rule
        when 'survey_minimum_base'
            then 'Suppressed: fewer than {{ var("survey_minimum_base") }} respondents in this group'
                || ' answered (staff survey minimum base).'
        when 'secondary'
            then 'Suppressed (secondary suppression): withheld so that another group''s'
                || ' suppressed count cannot be worked out from the published counts.'
    end as suppression_note
from controlled_counts
