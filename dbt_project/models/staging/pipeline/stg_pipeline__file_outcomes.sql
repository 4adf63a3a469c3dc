with

source as (

    select * from {{ source('pipeline', 'file_outcomes') }}

),

renamed as (

    select
        ---------- ids
        source_file::varchar as source_file,
        source::varchar as source_system,
        reporting_year::integer as reporting_year,
        org_code::varchar as org_code,

        ---------- file facts
        sha256::varchar as sha256,
        size_bytes::bigint as size_bytes,
        rows_read::bigint as rows_read,

        ---------- outcome
        outcome::varchar as outcome,
        reason::varchar as reason

    from source

)

select * from renamed
