-- The published metric catalogue, from the metric_definitions seed.
with

metric_definitions as (

    select * from {{ ref('metric_definitions') }}

)

select
    metric_id,
    title,
    definition,
    numerator,
    denominator,
    group_of_interest,
    reference_group,
    adverse_direction,
    measure_type,
    source,
    levels,
    spec_section
from metric_definitions
