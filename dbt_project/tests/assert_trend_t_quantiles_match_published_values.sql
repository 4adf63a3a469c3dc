-- The t quantiles of the direction of travel (int_trends__t_quantiles, scipy) at the 95%
-- level are the published t(0.975, df): 12.7062047 (df 1), 4.30265273 (df 2) and
-- 3.18244631 (df 3), to the 7 decimals printed in tables; every df from 1 to
-- var trend_window_years - 2 is there. Returns the mismatches.
with

published as (

    select * from (values (1, 12.7062047), (2, 4.30265273), (3, 3.18244631))
        as published (degrees_of_freedom, t_quantile)

),

expected_degrees as (

    select unnest(range(1, {{ var('trend_window_years') }} - 1)) as degrees_of_freedom

),

quantiles as (

    select * from {{ ref('int_trends__t_quantiles') }}

)

select
    coalesce(quantiles.degrees_of_freedom, published.degrees_of_freedom) as degrees_of_freedom,
    quantiles.t_quantile,
    published.t_quantile as published_t_quantile
from quantiles
full outer join published
    on quantiles.degrees_of_freedom = published.degrees_of_freedom
where (quantiles.confidence_level = 0.95 and abs(quantiles.t_quantile - published.t_quantile) > 5e-8)
    or (published.degrees_of_freedom <= {{ var('trend_window_years') }} - 2 and quantiles.t_quantile is null)

union all
select expected_degrees.degrees_of_freedom, null, null
from expected_degrees
left join quantiles
    on expected_degrees.degrees_of_freedom = quantiles.degrees_of_freedom
where quantiles.degrees_of_freedom is null
