-- Disclosure control of the staff survey counts (metrics.md, Disclosure control): the
-- pooled counts with, for each row, whether its figure is withheld and by which rule.
-- Primary rule, at every level (trust, region and England): a group with fewer than
-- var('survey_minimum_base') respondents answering is suppressed (`survey_minimum_base`). A
-- group with no respondent answering is not suppressed: its percentage is undefined and
-- nothing is withheld.
-- Secondary suppression, on top of the primary rule, on respondents answering, per
-- indicator, group and year (macro secondary_suppression): within each total below, when
-- exactly one of its figures is suppressed, the smallest unsuppressed non-zero part (ties
-- broken by name) is suppressed too, in rounds until no total has exactly one. One fixpoint
-- runs over every total at once:
--   `secondary`:          BME = Asian + Black + Mixed + Other and All = White + BME + Unknown,
--                         within each geography below national level (Unknown and All are
--                         not published but are parts and totals);
--   `secondary_region`:   (1.1) a region = the sum of its trusts;
--   `secondary_england`:  (1.1) England = the sum of the regions;
--   `secondary_lineage`:  (1.1) a successor's lineage (trends) = the sum of the trusts it pools.
-- With the 1.1 totals (var survey_geography_totals), a published total's own figure counts
-- too: a hidden BME, region or lineage figure whose parts are all published would be their
-- sum. The picks are always parts: trusts for a region or a lineage, regions for England
-- (methodology, decisions 90-91); the England row is never picked. Without the var the rule
-- is that of method 1.0 (the two ethnic totals, parts only), kept as the privacy tests'
-- negative control.
-- suppression_rules lists every rule that forced the row (one per total that picked it in
-- the same round, in a fixed order); suppression_rule is the first, and picks the note.
-- The four metric models read this model only, so they inherit every rule applied in it.
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

-- the order in which the rules of one row are listed
rule_order(suppression_rule, rule_order) as (

    values
        ('survey_minimum_base', 1),
        ('secondary', 2),
        ('secondary_region', 3),
        ('secondary_england', 4),
        ('secondary_lineage', 5)

),

-- the ethnic totals, and the groups that are their parts
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

-- (1.1) the geographic totals: which parts each region, England and lineage pools, per
-- year (a region: its trusts; England: the regions; a lineage: the trusts it pools)
geography_parts as (

    {%- if var('survey_geography_totals') %}
    select distinct
        geography_level as total_level,
        geography_code as total_code,
        reporting_year,
        'trust' as part_level,
        org_code as part_code,
        case geography_level
            when 'region' then 'secondary_region'
            else 'secondary_lineage'
        end as suppression_rule
    from {{ ref('int_staff_survey__trust_geographies') }}
    where geography_level in ('region', 'successor_lineage')

    union all

    select distinct
        'national', '{{ var("national_geography_code") }}', reporting_year, 'region',
        geography_code, 'secondary_england'
    from {{ ref('int_staff_survey__trust_geographies') }}
    where geography_level = 'region'
    {%- else %}
    select
        null::varchar as total_level, null::varchar as total_code, null::integer as reporting_year,
        null::varchar as part_level, null::varchar as part_code, null::varchar as suppression_rule
    where false
    {%- endif %}

),

-- one row per part of a total: the total, the part's cell and name, the rule a pick in
-- that total is logged under, and the total's own published cell where it counts (1.1)
memberships as (

    -- the ethnic totals, below national level
    select
        concat_ws(' | ', group_totals.total_name, parts.geography_level, parts.geography_code,
            parts.reporting_year, parts.metric_id) as total_id,
        parts.cell_id,
        parts.group_name as part_name,
        'secondary' as suppression_rule,
        totals.cell_id as total_cell_id
    from cells as parts
    inner join group_totals
        on parts.group_name = group_totals.group_name
    left join cells as totals
        on {{ var('survey_geography_totals') }}
        and group_totals.total_name like 'BME = %'
        and totals.group_name = 'BME'
        and parts.geography_level = totals.geography_level
        and parts.geography_code = totals.geography_code
        and parts.reporting_year = totals.reporting_year
        and parts.metric_id = totals.metric_id
    where parts.geography_level <> 'national'

    union all

    -- a region, England, a lineage = the sum of its parts, per indicator, group and year
    select
        concat_ws(' | ', totals.geography_level, totals.geography_code, totals.reporting_year,
            totals.metric_id, totals.group_name) as total_id,
        parts.cell_id,
        parts.geography_code as part_name,
        geography_parts.suppression_rule,
        totals.cell_id as total_cell_id
    from geography_parts
    inner join cells as totals
        on geography_parts.total_level = totals.geography_level
        and geography_parts.total_code = totals.geography_code
        and geography_parts.reporting_year = totals.reporting_year
    inner join cells as parts
        on geography_parts.part_level = parts.geography_level
        and geography_parts.part_code = parts.geography_code
        and totals.reporting_year = parts.reporting_year
        and totals.metric_id = parts.metric_id
        and totals.group_name = parts.group_name

),

total_cells as (

    select distinct total_id, total_cell_id as cell_id
    from memberships
    where total_cell_id is not null

),

suppressed_cells as (

    select * from {{ secondary_suppression('cells', 'memberships', 'total_cells') }}

),

-- the totals that forced each secondary suppression, one row per total
picks as (

    select picks.cell_id, memberships.suppression_rule
    from {{ secondary_suppression_picks('cells', 'memberships', 'suppressed_cells', 'total_cells') }} as picks
    inner join memberships
        on picks.total_id = memberships.total_id
        and picks.cell_id = memberships.cell_id

),

cell_rules as (

    select
        cell_picks.cell_id,
        list(cell_picks.suppression_rule order by rule_order.rule_order) as suppression_rules
    from (
        select cell_id, 'survey_minimum_base' as suppression_rule from cells where below_minimum_base
        union
        select cell_id, suppression_rule from picks
    ) as cell_picks
    inner join rule_order
        on cell_picks.suppression_rule = rule_order.suppression_rule
    group by cell_picks.cell_id

),

controlled_counts as (

    select
        cells.*,
        -- from the fixpoint; the rules come from the picks, and a data test checks that
        -- every suppressed row has one
        suppressed_cells.cell_id is not null as suppressed,
        cell_rules.suppression_rules,
        cell_rules.suppression_rules[1] as suppression_rule
    from cells
    left join suppressed_cells
        on cells.cell_id = suppressed_cells.cell_id
    left join cell_rules
        on cells.cell_id = cell_rules.cell_id

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
    suppressed,
    suppression_rule,
    suppression_rules,
    case suppression_rule
        when 'survey_minimum_base'
            then 'Suppressed: fewer than {{ var("survey_minimum_base") }} respondents in this group'
                || ' answered (staff survey minimum base).'
        when 'secondary'
            then 'Suppressed (secondary suppression): withheld so that another group''s'
                || ' suppressed count cannot be worked out from the published counts.'
        when 'secondary_region'
            then 'Suppressed (secondary suppression): withheld so that another trust''s'
                || ' suppressed count cannot be worked out from its region''s published counts.'
        when 'secondary_england'
            then 'Suppressed (secondary suppression): withheld so that another region''s'
                || ' suppressed count cannot be worked out from England''s published counts.'
        when 'secondary_lineage'
            then 'Suppressed (secondary suppression): withheld so that another trust''s'
                || ' suppressed count cannot be worked out from a merged trust''s combined figures.'
    end as suppression_note
from controlled_counts
